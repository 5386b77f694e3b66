// UART transmitter: 8N1, DIV clocks per bit, valid/ready byte input.
module uart_tx #(parameter DIV = 4) (
  input  wire       clk,
  input  wire       rst,
  input  wire       valid,
  input  wire [7:0] data,
  output wire       ready,
  output wire       txd
);
  reg [9:0] shift;      // {stop, data, start}, LSB first on the line
  reg [3:0] bits;       // bits left to send
  reg [7:0] tick;
  assign ready = bits == 4'd0;
  assign txd   = ready ? 1'b1 : shift[0];
  always @(posedge clk) begin
    if (rst) begin
      shift <= 10'h3ff; bits <= 0; tick <= 0;
    end else if (ready) begin
      if (valid) begin
        shift <= {1'b1, data, 1'b0}; bits <= 4'd10; tick <= DIV - 1;
      end
    end else if (tick == 0) begin
      shift <= {1'b1, shift[9:1]}; bits <= bits - 4'd1; tick <= DIV - 1;
    end else
      tick <= tick - 8'd1;
  end
endmodule
