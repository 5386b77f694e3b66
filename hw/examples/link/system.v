// The whole StateLink example in one design: source -> valid/ready/data -> sink.
module system (
  input  wire        clk,
  input  wire        rst,
  input  wire        go,
  output wire        valid,
  output wire        ready,
  output wire [7:0]  data,
  output wire [15:0] sent,
  output wire        txd,
  output wire [15:0] sum
);
  source src (.clk(clk), .rst(rst), .go(go), .ready(ready), .valid(valid), .data(data), .sent(sent));
  sink   snk (.clk(clk), .rst(rst), .valid(valid), .data(data), .ready(ready), .txd(txd), .sum(sum));
endmodule
