/**
 * Make text taken from /proc or logs safe to draw on a terminal: control characters
 * (ESC, CR, LF, BEL, DEL, C1) become visible escapes so a hostile process name can
 * neither move the cursor nor break a table row.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

export function sanitize(text: string): string {
  return text.replace(CONTROL, (ch) => {
    const code = ch.charCodeAt(0);
    if (code === 0x0a) return '\\n';
    if (code === 0x09) return ' ';
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
