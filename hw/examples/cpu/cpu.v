// A small 16-bit single-cycle CPU running a program from its instruction memory (program.hex).
// Registers, data memory and instruction memory are memories ($mem_v2): their words are state.
//
// Instruction: op[15:12] rd[11:9] rs[8:6] rt[5:3]; imm6 = ins[5:0] (signed); imm9 = ins[8:0].
//   0 ADD rd=rs+rt   1 SUB rd=rs-rt   2 AND   3 OR   4 XOR   5 ADDI rd=rs+imm6   6 LI rd=imm9
//   7 LD rd=dmem[rs+imm6]   8 ST dmem[rs+imm6]=rd   9 BEQ rd==rs: pc+=imm6   A BNE rd!=rs: pc+=imm6
//   B JMP pc=ins[9:0]   C SHR rd=rs>>1   D OUT out=rd   E JR pc=rs   F HALT (pc stays)
module cpu (
  input  wire        clk,
  input  wire        rst,       // synchronous, active high: pc and out to 0
  output reg  [15:0] out,
  output wire [9:0]  pc_o
);
  reg  [9:0]  pc;
  reg  [15:0] imem [0:511];
  reg  [15:0] regs [0:7];
  reg  [15:0] dmem [0:63];
  initial $readmemh("program.hex", imem);

  wire [15:0] ins  = imem[pc[8:0]];
  wire [3:0]  op   = ins[15:12];
  wire [2:0]  rd   = ins[11:9], rs = ins[8:6], rt = ins[5:3];
  wire [15:0] imm6 = {{10{ins[5]}}, ins[5:0]};
  wire [15:0] a = regs[rs], b = regs[rt], d = regs[rd];
  wire [15:0] addr = a + imm6;
  wire [15:0] ld = dmem[addr[5:0]];
  reg  [15:0] res;
  reg         we;
  always @* begin
    we = 1'b1; res = 16'h0000;
    case (op)
      4'h0: res = a + b;
      4'h1: res = a - b;
      4'h2: res = a & b;
      4'h3: res = a | b;
      4'h4: res = a ^ b;
      4'h5: res = addr;
      4'h6: res = {7'd0, ins[8:0]};
      4'h7: res = ld;
      4'hC: res = {1'b0, a[15:1]};
      default: we = 1'b0;
    endcase
  end
  wire taken = (op == 4'h9 && d == a) || (op == 4'hA && d != a);
  assign pc_o = pc;
  always @(posedge clk) begin
    if (we) regs[rd] <= res;
    if (op == 4'h8) dmem[addr[5:0]] <= d;
    if (rst) begin
      pc <= 10'd0; out <= 16'd0;
    end else begin
      if (op == 4'hD) out <= d;
      case (op)
        4'hB: pc <= ins[9:0];
        4'hE: pc <= a[9:0];
        4'hF: pc <= pc;
        default: pc <= taken ? pc + imm6[9:0] : pc + 10'd1;
      endcase
    end
  end
endmodule
