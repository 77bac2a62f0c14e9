/* etf: being written. */
typedef int fx__placeholder_etf;
