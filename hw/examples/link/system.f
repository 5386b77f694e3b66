system.v
source.v
sink.v
../fifo/fifo.v
../uart/uart_tx.v
