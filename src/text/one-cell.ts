// One-cell characters, apart from string-width so that the bundle's lazy string-width
// (src/text/string-width-lazy.ts) can answer for them without loading it.

/**
 * Code units that are one cell each whatever follows them, as string-width measures them
 * (test/text/format.test.ts checks every one): Latin-1 but the soft hyphen, punctuation
 * (… – — ‰), arrows, math operators, ⌊⌋, box drawing, blocks and geometric shapes but ◽◾.
 * What the header and the table draw besides ASCII; string-width segments graphemes with
 * Intl.Segmenter, which cost more than the rest of the header's layout, every frame. The fast
 * Output (src/ui/ink/output.ts) builds rows of such characters without cells on the same test.
 */
export function narrowCell(c: number): boolean {
  if (c >= 0x20 && c <= 0x7e) return true;
  if (c < 0xa0) return false;
  if (c <= 0xff) return c !== 0xad;
  if (c < 0x2010) return false;
  if (c <= 0x2027) return true;
  if (c < 0x2030) return false;
  if (c <= 0x205e) return true;
  if (c < 0x2190) return false;
  if (c <= 0x22ff) return true;
  if (c >= 0x2308 && c <= 0x230b) return true;
  if (c >= 0x2500 && c <= 0x25ff) return c !== 0x25fd && c !== 0x25fe;
  return false;
}
