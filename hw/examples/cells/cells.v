// Exercises every flip-flop kind Cairn supports and a memory with two write ports and byte enables.
module cells (
  input  wire        clk,
  input  wire        rst,       // synchronous resets
  input  wire        arst,      // asynchronous reset, active high
  input  wire        arst_n,    // asynchronous reset, active low
  input  wire        en,
  input  wire [7:0]  d,
  input  wire [3:0]  wa, wb, ra,
  input  wire [1:0]  be,        // byte enables of write port a
  input  wire        wea, web,
  output reg  [7:0]  q_plain,   // $_DFF_P_
  output reg  [7:0]  q_en,      // $_DFFE_PP_
  output reg  [7:0]  q_ar,      // $_DFF_PP0_
  output reg  [7:0]  q_arn,     // $_DFF_PN1_
  output reg  [7:0]  q_aren,    // $_DFFE_PP0P_
  output reg  [7:0]  q_sr,      // $_SDFF_PP0_
  output reg  [7:0]  q_sren,    // $_SDFFE_PP1P_
  output reg  [7:0]  q_srce,    // $_SDFFCE_PP0P_
  output wire [15:0] rd
);
  always @(posedge clk) q_plain <= d;
  always @(posedge clk) if (en) q_en <= d ^ 8'h5a;
  always @(posedge clk or posedge arst) if (arst) q_ar <= 0; else q_ar <= d + q_ar;
  always @(posedge clk or negedge arst_n) if (!arst_n) q_arn <= 8'hff; else q_arn <= q_arn - d;
  always @(posedge clk or posedge arst) if (arst) q_aren <= 0; else if (en) q_aren <= q_aren + 1;
  always @(posedge clk) if (rst) q_sr <= 0; else q_sr <= {q_sr[6:0], d[0] ^ q_sr[7]};
  always @(posedge clk) if (rst) q_sren <= 8'hff; else if (en) q_sren <= q_sren ^ d;
  always @(posedge clk) if (en) begin if (rst) q_srce <= 0; else q_srce <= q_srce + d; end

  reg [15:0] mem [0:15];
  always @(posedge clk) begin
    if (wea && be[0]) mem[wa][7:0]  <= {d[3:0], d[7:4]};
    if (wea && be[1]) mem[wa][15:8] <= d;
    if (web) mem[wb] <= {q_en, q_plain};
  end
  assign rd = mem[ra];
endmodule
