selftest.v
../counter/counter.v
../fifo/fifo.v
../uart/uart.v
../uart/uart_tx.v
../uart/uart_rx.v
