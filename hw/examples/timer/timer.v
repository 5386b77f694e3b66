// A watchdog-style timer with an active-low power-on reset whose name no convention recognises
// (por_b: "power-on reset, bar"). Cairn does not find it by name: without --reset it warns and the
// input is random data; `--reset por_b=0` makes it the reset, held low for --reset-cycles.
// The reset is synchronous; `kick` restarts the count, `fired` is sticky until the next reset.
module timer (
  input  wire        clk,
  input  wire        por_b,
  input  wire        kick,
  input  wire [3:0]  limit,
  output reg  [7:0]  count,
  output reg         fired
);
  always @(posedge clk) begin
    if (!por_b) begin
      count <= 8'd0;
      fired <= 1'b0;
    end else if (kick) begin
      count <= 8'd0;
    end else begin
      count <= count + 8'd1;
      if (count == {limit, 4'hf}) fired <= 1'b1;
    end
  end
endmodule
