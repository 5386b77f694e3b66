// A closed design (only clk and rst) that drives the counter, FIFO and UART examples from an LFSR,
// so that Yosys' own `sim` command, which needs no stimulus file, can run it.
module selftest (
  input  wire        clk,
  input  wire        rst,
  output wire [15:0] cq,
  output wire [7:0]  fdout,
  output wire [4:0]  fcount,
  output wire [7:0]  rx_data,
  output wire        rx_valid
);
  reg [15:0] lfsr;
  always @(posedge clk)
    if (rst) lfsr <= 16'hace1;
    else     lfsr <= {lfsr[14:0], lfsr[15] ^ lfsr[13] ^ lfsr[12] ^ lfsr[10]};
  counter c (.clk(clk), .rst(rst), .en(lfsr[0]), .down(lfsr[1] & lfsr[7]), .q(cq), .wrap());
  fifo f (.clk(clk), .rst(rst), .push(lfsr[2]), .din(lfsr[15:8]), .pop(lfsr[3] & lfsr[4]),
          .dout(fdout), .full(), .empty(), .count(fcount));
  uart u (.clk(clk), .rst(rst), .tx_valid(lfsr[5]), .tx_data(lfsr[12:5]), .cut(1'b0),
          .tx_ready(), .txd(), .rx_valid(rx_valid), .rx_data(rx_data));
endmodule
