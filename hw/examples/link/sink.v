// StateLink example, the part under debug in the simulator: a FIFO feeding a UART transmitter,
// with a running sum of the accepted bytes.
module sink (
  input  wire        clk,
  input  wire        rst,
  input  wire        valid,
  input  wire [7:0]  data,
  output wire        ready,
  output wire        txd,
  output reg  [15:0] sum
);
  wire full, empty, tx_ready;
  wire [7:0] head;
  wire [4:0] count;
  fifo q (.clk(clk), .rst(rst), .push(valid), .din(data), .pop(tx_ready && !empty),
          .dout(head), .full(full), .empty(empty), .count(count));
  uart_tx #(.DIV(2)) tx (.clk(clk), .rst(rst), .valid(!empty), .data(head), .ready(tx_ready), .txd(txd));
  assign ready = !full;
  always @(posedge clk)
    if (rst) sum <= 16'd0;
    else if (valid && ready) sum <= sum + {8'd0, data};
endmodule
