/* pattern: being written. */
typedef int fx__placeholder_pattern;
