// UART loopback: a transmitter wired to a receiver (line can be broken with `cut`).
module uart (
  input  wire       clk,
  input  wire       rst,
  input  wire       tx_valid,
  input  wire [7:0] tx_data,
  input  wire       cut,        // when high the line reads idle (1)
  output wire       tx_ready,
  output wire       txd,
  output wire       rx_valid,
  output wire [7:0] rx_data
);
  uart_tx #(.DIV(4)) tx (.clk(clk), .rst(rst), .valid(tx_valid), .data(tx_data), .ready(tx_ready), .txd(txd));
  uart_rx #(.DIV(4)) rx (.clk(clk), .rst(rst), .rxd(txd | cut), .valid(rx_valid), .data(rx_data));
endmodule
