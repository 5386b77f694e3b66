// A CPU + RAM system for StateLink's --split: an 8-bit accumulator core that fetches instructions
// from and loads/stores data in a separate RAM instance over one bus (fetch and execute take one
// cycle each). `cairn hw link --split u_ram` runs the RAM in the simulator and the core (the rest of
// the system) in the fast engine, the boundary derived from the netlist. The RAM's debug output
// last_wa goes to a wire nothing reads: Yosys removes its flops from the whole design but keeps
// them in the RAM alone, which the split tolerates.
//
// Instruction (16 bits): op[15:12], a = ins[7:0]:
//   0 LDI acc=a   1 LD acc=mem[a]   2 ST mem[a]=acc   3 ADD acc+=mem[a]   4 ADDI acc+=a
//   5 JNZ acc!=0: pc=a   6 JMP pc=a   7 OUT out=acc   other: acc <= 'bx (don't care)
// The RAM answers 'bx above address 0xef; the program reads there once per loop (LD 0xf5), so the
// don't-care is exercised in whichever engine runs the RAM.
module soc (
  input  wire       clk,
  input  wire       rst,
  output wire [7:0] out
);
  wire [7:0]  addr;
  wire [15:0] rdata;
  wire [15:0] wdata;
  wire        we;
  wire [7:0]  ram_dbg;   // the RAM's debug port: nothing in the system reads it
  core u_core (.clk(clk), .rst(rst), .addr(addr), .rdata(rdata), .wdata(wdata), .we(we), .out(out));
  ram  u_ram  (.clk(clk), .addr(addr), .wdata(wdata), .we(we), .rdata(rdata), .last_wa(ram_dbg));
endmodule

module core (
  input  wire        clk,
  input  wire        rst,
  output wire [7:0]  addr,
  input  wire [15:0] rdata,
  output wire [15:0] wdata,
  output wire        we,
  output reg  [7:0]  out
);
  reg [7:0]  pc, acc;
  reg [15:0] ins;
  reg        exec;               // 0: fetch, 1: execute
  wire [3:0] op = ins[15:12];
  wire [7:0] a  = ins[7:0];
  assign addr  = exec ? a : pc;
  assign wdata = {8'd0, acc};
  assign we    = exec && op == 4'd2;
  always @(posedge clk) begin
    if (rst) begin
      pc <= 8'd0; acc <= 8'd0; exec <= 1'b0; out <= 8'd0; ins <= 16'd0;
    end else if (!exec) begin
      ins <= rdata; pc <= pc + 8'd1; exec <= 1'b1;
    end else begin
      exec <= 1'b0;
      case (op)
        4'd0: acc <= a;
        4'd1: acc <= rdata[7:0];
        4'd2: ;
        4'd3: acc <= acc + rdata[7:0];
        4'd4: acc <= acc + a;
        4'd5: if (acc != 8'd0) pc <= a;
        4'd6: pc <= a;
        4'd7: out <= acc;
        default: acc <= 8'bx;
      endcase
    end
  end
endmodule

module ram (
  input  wire        clk,
  input  wire [7:0]  addr,
  input  wire [15:0] wdata,
  input  wire        we,
  output wire [15:0] rdata,
  output reg  [7:0]  last_wa      // debug: address of the last write
);
  reg [15:0] mem [0:255];
  initial $readmemh("soc.hex", mem);
  assign rdata = addr < 8'hf0 ? mem[addr] : 16'bx;   // the top 16 addresses are not populated: don't care
  always @(posedge clk) if (we) begin mem[addr] <= wdata; last_wa <= addr; end
endmodule
