/* term: being written. */
typedef int fx__placeholder_term;
