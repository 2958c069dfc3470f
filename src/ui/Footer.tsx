import React from 'react';
import { Text } from 'ink';
import type { StatusLine, ViewState } from '../store/store.js';
import { fit } from '../text/format.js';
import type { Theme } from './theme.js';

export const FOOTER_KEYS = 'q quit  ? help  k kill  p protect  x expendable  [/] adj±  / filter  s sort  c cgroups  g guard';

export interface FooterProps {
  view: ViewState;
  status: StatusLine | null;
  readOnly: boolean;
  width: number;
  theme: Theme;
  now: number;
}

/** Filter prompt while typing; else a fresh status message; else the main keys. */
export function Footer({ view, status, readOnly, width, theme, now }: FooterProps): React.ReactElement {
  if (view.filterDraft !== null) {
    return (
      <Text wrap="truncate">
        <Text bold>{fit(`Filter: ${view.filterDraft}█  (Enter keep, Esc clear)`, width)}</Text>
      </Text>
    );
  }
  if (status && now - status.time < 8000) {
    return (
      <Text wrap="truncate" color={theme.severity(status.severity)} bold>
        {fit(status.text, width)}
      </Text>
    );
  }
  const flags = [
    `sort:${view.sort}${view.inverted ? '↑' : ''}`,
    view.filter ? `filter:"${view.filter}"` : '',
    view.cgroupFilter ? `cgroup:${view.cgroupFilter}` : '',
    view.paused ? 'PAUSED' : '',
    readOnly ? 'READ-ONLY' : '',
    view.tagged.size ? `${view.tagged.size} tagged` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <Text wrap="truncate" inverse={!theme.color} color={theme.dim}>
      {fit(`${FOOTER_KEYS}  [${flags}]`, width)}
    </Text>
  );
}
