// StateLink example, the part that stays in the fast engine: a byte producer with a valid/ready
// output stream. valid and data are registers, so they never depend on ready within a cycle.
module source (
  input  wire        clk,
  input  wire        rst,
  input  wire        go,       // external: may start a new byte
  input  wire        ready,    // from the sink
  output reg         valid,
  output reg  [7:0]  data,
  output reg  [15:0] sent
);
  reg [15:0] lfsr;
  always @(posedge clk) begin
    if (rst) begin
      valid <= 1'b0; data <= 8'd0; lfsr <= 16'h0001; sent <= 16'd0;
    end else begin
      lfsr <= {lfsr[14:0], lfsr[15] ^ lfsr[13] ^ lfsr[12] ^ lfsr[10]};
      if (valid && ready) begin
        sent <= sent + 16'd1;
        valid <= 1'b0;
      end
      if ((!valid || ready) && go) begin
        valid <= 1'b1;
        data <= lfsr[7:0] ^ sent[7:0];
      end
    end
  end
endmodule
