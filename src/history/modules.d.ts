declare module 'asciichart' {
  interface PlotConfig {
    height?: number;
    min?: number;
    max?: number;
    offset?: number;
    padding?: string;
    format?: (x: number, i: number) => string;
    colors?: string[];
  }
  const asciichart: { plot(series: number[] | number[][], cfg?: PlotConfig): string };
  export default asciichart;
}

/** Typed where used (src/history/db.ts): only the part of its API the store needs. */
declare module 'better-sqlite3';
