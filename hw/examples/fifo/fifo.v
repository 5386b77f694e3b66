// 16 x 8 synchronous FIFO: storage is a memory ($mem_v2), so its words are state too.
module fifo (
  input  wire       clk,
  input  wire       rst,      // synchronous, active high
  input  wire       push,
  input  wire [7:0] din,
  input  wire       pop,
  output wire [7:0] dout,     // head of the queue (valid when !empty)
  output wire       full,
  output wire       empty,
  output reg  [4:0] count
);
  reg [7:0] mem [0:15];
  reg [3:0] rd, wr;
  wire do_push = push && !full;
  wire do_pop  = pop && !empty;
  assign full  = count == 5'd16;
  assign empty = count == 5'd0;
  assign dout  = mem[rd];
  always @(posedge clk) begin
    if (do_push) mem[wr] <= din;
    if (rst) begin
      rd <= 0; wr <= 0; count <= 0;
    end else begin
      if (do_push) wr <= wr + 4'd1;
      if (do_pop)  rd <= rd + 4'd1;
      count <= count + {4'd0, do_push} - {4'd0, do_pop};
    end
  end
endmodule
