// A small accumulator machine whose RTL uses 'bx don't-cares the way CPU cores do: undefined
// opcodes produce 'bx, a register written with 'bx when its value does not matter, a case default
// of 'bx in a decoder, and a memory word written with 'bx. Cairn's synthesis script turns every x
// into 0 (setundef -zero), so the fast engine, the event simulator and iverilog agree bit for bit.
// The reset rst_ni is asynchronous and active low (found by name: *_ni).
module dontcare (
  input  wire       clk,
  input  wire       rst_ni,
  input  wire [2:0] op,
  input  wire [7:0] a,
  input  wire [1:0] sel,
  output reg  [7:0] acc,
  output reg  [7:0] scratch,
  output wire [7:0] rd,
  output reg  [3:0] onehot
);
  reg [7:0] res;
  reg [7:0] mem [0:3];
  always @* begin
    case (op)
      3'd0: res = acc + a;
      3'd1: res = acc - a;
      3'd2: res = acc & a;
      3'd3: res = acc ^ a;
      3'd4: res = {acc[6:0], acc[7]};
      default: res = 8'bx;          // undefined opcodes: don't care
    endcase
  end
  assign rd = mem[sel];
  always @(posedge clk or negedge rst_ni) begin
    if (!rst_ni) begin
      acc <= 8'd0;
      scratch <= 8'd0;
      onehot <= 4'b0001;
    end else begin
      acc <= res;
      scratch <= op[0] ? a : 'bx;    // the value does not matter when op[0] is 0
      case (sel)
        2'd0: onehot <= 4'b0001;
        2'd1: onehot <= 4'b0010;
        2'd2: onehot <= 4'b0100;
        default: onehot <= 4'bxxxx;
      endcase
    end
  end
  always @(posedge clk) begin
    if (op == 3'd7) mem[sel] <= 8'hxx;   // a don't-care store
    else if (op == 3'd6) mem[sel] <= a;
  end
endmodule
