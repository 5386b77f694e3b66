// 16-bit up/down counter with enable and asynchronous reset (exercises $_DFFE_PP0P_-style cells).
module counter (
  input  wire        clk,
  input  wire        rst,     // asynchronous, active high
  input  wire        en,
  input  wire        down,
  output reg  [15:0] q,
  output wire        wrap     // q is at its limit in the counting direction
);
  always @(posedge clk or posedge rst)
    if (rst)     q <= 16'd0;
    else if (en) q <= down ? q - 16'd1 : q + 16'd1;
  assign wrap = down ? (q == 16'd0) : (q == 16'hffff);
endmodule
