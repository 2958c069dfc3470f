import React, { useMemo } from 'react';
import { Text, Transform } from 'ink';

/**
 * Pre-styled lines that change every frame, drawn without growing Ink's text-measure cache.
 *
 * Ink 6 measures every text node through a module-level Map keyed by the text itself
 * (ink/build/measure-text.js) that is never emptied: a monitor whose numbers change every
 * second adds new keys forever. Here Yoga measures a blank placeholder of the same size,
 * which is one stable key per (lines × width), and <Transform> writes the real lines at
 * output time. Lines must be sanitized and fit to `width` already (fit() does both).
 */
export function Lines({ lines, width }: { lines: readonly string[]; width: number }): React.ReactElement | null {
  const placeholder = useMemo(() => Array.from({ length: lines.length }, () => ' '.repeat(Math.max(0, width))).join('\n'), [lines.length, width]);
  if (lines.length === 0) return null;
  return (
    <Transform transform={(_line, index) => lines[index] ?? ''}>
      <Text>{placeholder}</Text>
    </Transform>
  );
}
