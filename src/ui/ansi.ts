/**
 * SGR codes for the few styles the table uses, so a whole table can be one pre-styled
 * string (one Ink <Text>) instead of a React node per cell. Text passed in must already be
 * sanitized (fit() does that): the only escape sequences in the output are these.
 */
const FG: Record<string, number> = {
  black: 30,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  white: 37,
  gray: 90,
  redBright: 91,
  greenBright: 92,
  yellowBright: 93,
};

export function paint(text: string, color: string | undefined): string {
  const code = color === undefined ? undefined : FG[color];
  return code === undefined ? text : `\u001b[${code}m${text}\u001b[39m`;
}

export function inverse(text: string): string {
  return `\u001b[7m${text}\u001b[27m`;
}

export function bold(text: string): string {
  return `\u001b[1m${text}\u001b[22m`;
}

const BG: Record<string, number> = { red: 41, green: 42, yellow: 43, blue: 44, magenta: 45, cyan: 46, white: 47 };

/** Background colour (htop's function-key labels); inverse when there is no colour. */
export function background(text: string, color: string | undefined): string {
  const code = color === undefined ? undefined : BG[color];
  return code === undefined ? inverse(text) : `\u001b[30;${code}m${text}\u001b[39;49m`;
}
