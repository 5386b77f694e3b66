// UART receiver: 8N1, DIV clocks per bit, samples mid-bit; pulses valid for one cycle per byte.
module uart_rx #(parameter DIV = 4) (
  input  wire       clk,
  input  wire       rst,
  input  wire       rxd,
  output reg        valid,
  output reg  [7:0] data
);
  reg [8:0] shift;
  reg [3:0] bits;       // 0 = idle
  reg [7:0] tick;
  always @(posedge clk) begin
    valid <= 1'b0;
    if (rst) begin
      bits <= 0; tick <= 0; shift <= 0; data <= 0;
    end else if (bits == 0) begin
      if (!rxd) begin bits <= 4'd10; tick <= DIV / 2; end
    end else if (tick == 0) begin
      tick <= DIV - 1;
      bits <= bits - 4'd1;
      if (bits == 4'd10 && rxd) bits <= 0;                 // false start bit
      else if (bits == 4'd1) begin data <= shift[8:1]; valid <= rxd; end
      else shift <= {rxd, shift[8:1]};
    end else
      tick <= tick - 8'd1;
  end
endmodule
