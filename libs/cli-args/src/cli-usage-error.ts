/** Bad command-line arguments: the CLI prints the message and its usage text and exits with its usage code. */
export class CliUsageError extends Error {}
