/**
 * Yoga's layout, in JavaScript, for the part of flexbox that Ink's boxes and texts use.
 *
 * Why (measured, bench/results/cost-notes.md, "yoga-lite"): Ink 6 lays out every frame through
 * yoga-layout, a WebAssembly build of Yoga behind embind, to place what oomtop draws as a column
 * of pre-fitted lines. Beside it, in the same windows at 1,000 processes: about 6 % less CPU a
 * second and ~20 ms less CPU before the first frame, no WebAssembly compiled at start-up, and a
 * layout that is plain objects the profiler can see. This module is a port of Yoga 3.2.1's
 * algorithm (yoga/algorithm/CalculateLayout.cpp: flex basis, the two-pass flexible lengths,
 * main-axis justification, cross-axis alignment and stretch, the layout cache, pixel-grid
 * rounding) for one line of items, left to right. The bundle (scripts/bundle.mjs) puts it in
 * place of 'yoga-layout'; test/ui/ink/yoga-lite.test.ts lays out generated trees with both and
 * requires the same numbers for every node, first and after the changes Ink makes between frames.
 *
 * Not ported, and refused loudly (a thrown Error names the feature) rather than laid out
 * differently: flex-wrap, reverse directions, absolute positioning, baseline alignment,
 * percent margins, paddings and gaps, max sizes, aspect ratio, display: contents, RTL.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

// Yoga's enum values (yoga-layout/dist/src/generated/YGEnums.js).
const ALIGN_AUTO = 0, ALIGN_FLEX_START = 1, ALIGN_CENTER = 2, ALIGN_FLEX_END = 3, ALIGN_STRETCH = 4, ALIGN_BASELINE = 5;
const DIRECTION_INHERIT = 0, DIRECTION_LTR = 1, DIRECTION_RTL = 2;
const DISPLAY_FLEX = 0, DISPLAY_NONE = 1, DISPLAY_CONTENTS = 2;
const EDGE_LEFT = 0, EDGE_TOP = 1, EDGE_RIGHT = 2, EDGE_BOTTOM = 3, EDGE_START = 4, EDGE_END = 5, EDGE_HORIZONTAL = 6, EDGE_VERTICAL = 7, EDGE_ALL = 8;
const FLEX_DIRECTION_COLUMN = 0, FLEX_DIRECTION_COLUMN_REVERSE = 1, FLEX_DIRECTION_ROW = 2, FLEX_DIRECTION_ROW_REVERSE = 3;
const GUTTER_COLUMN = 0, GUTTER_ROW = 1, GUTTER_ALL = 2;
const JUSTIFY_FLEX_START = 0, JUSTIFY_CENTER = 1, JUSTIFY_FLEX_END = 2, JUSTIFY_SPACE_BETWEEN = 3, JUSTIFY_SPACE_AROUND = 4, JUSTIFY_SPACE_EVENLY = 5;
const MEASURE_MODE_UNDEFINED = 0, MEASURE_MODE_EXACTLY = 1, MEASURE_MODE_AT_MOST = 2;
const OVERFLOW_VISIBLE = 0, OVERFLOW_HIDDEN = 1, OVERFLOW_SCROLL = 2;
const POSITION_TYPE_STATIC = 0, POSITION_TYPE_RELATIVE = 1, POSITION_TYPE_ABSOLUTE = 2;
const UNIT_UNDEFINED = 0, UNIT_POINT = 1, UNIT_PERCENT = 2, UNIT_AUTO = 3;
const WRAP_NO_WRAP = 0, WRAP_WRAP = 1, WRAP_WRAP_REVERSE = 2;

// Yoga's SizingMode: StretchFit = measure mode Exactly, FitContent = AtMost, MaxContent = Undefined.
const STRETCH_FIT = MEASURE_MODE_EXACTLY;
const FIT_CONTENT = MEASURE_MODE_AT_MOST;
const MAX_CONTENT = MEASURE_MODE_UNDEFINED;

type Length = { unit: number; value: number };
const UNDEFINED: Length = Object.freeze({ unit: UNIT_UNDEFINED, value: NaN });
const AUTO: Length = Object.freeze({ unit: UNIT_AUTO, value: NaN });

type MeasureFunction = (width: number, widthMode: number, height: number, heightMode: number) => { width?: number; height?: number };

const f = Math.fround;
const isDefined = (x: number): boolean => !Number.isNaN(x);
const maxOrDefined = (a: number, b: number): number => (isDefined(a) && isDefined(b) ? Math.max(a, b) : Number.isNaN(a) ? b : a);
const minOrDefined = (a: number, b: number): number => (isDefined(a) && isDefined(b) ? Math.min(a, b) : Number.isNaN(a) ? b : a);
const inexactEquals = (a: number, b: number): boolean => (isDefined(a) && isDefined(b) ? Math.abs(a - b) < 0.0001 : Number.isNaN(a) && Number.isNaN(b));
const isRow = (axis: number): boolean => axis === FLEX_DIRECTION_ROW;

function unsupported(what: string): never {
  throw new Error(`oomtop's layout (src/ui/ink/yoga-lite.ts) does not support ${what}`);
}

/** A style length from Yoga's JS API forms: 10, '50%', 'auto', undefined, NaN. */
function lengthOf(value: unknown, allowPercent: boolean, allowAuto: boolean, what: string): Length {
  if (value === undefined || value === null) return UNDEFINED;
  if (value === 'auto') {
    if (!allowAuto) unsupported(`${what}: auto`);
    return AUTO;
  }
  if (typeof value === 'number') return Number.isNaN(value) ? UNDEFINED : { unit: UNIT_POINT, value: f(value) };
  if (typeof value === 'string') {
    const n = Number.parseFloat(value);
    if (Number.isNaN(n)) throw new Error(`Invalid value ${value} for ${what}`);
    if (value.endsWith('%')) {
      if (!allowPercent) unsupported(`${what} in percent`);
      return { unit: UNIT_PERCENT, value: f(n) };
    }
    return { unit: UNIT_POINT, value: f(n) };
  }
  throw new Error(`Invalid value ${String(value)} for ${what}`);
}

function resolve(l: Length, reference: number): number {
  if (l.unit === UNIT_POINT) return l.value;
  if (l.unit === UNIT_PERCENT) return f((l.value * reference) * 0.01);
  return NaN;
}

function sameLength(a: Length, b: Length): boolean {
  return a.unit === b.unit && (a.value === b.value || (Number.isNaN(a.value) && Number.isNaN(b.value)));
}

/** Yoga's CachedMeasurement: the inputs of a measure or layout and the size it gave. */
type CacheEntry = { aw: number; ah: number; wm: number; hm: number; cw: number; ch: number };
const emptyEntry = (): CacheEntry => ({ aw: -1, ah: -1, wm: MAX_CONTENT, hm: MAX_CONTENT, cw: -1, ch: -1 });
const MAX_CACHED_MEASUREMENTS = 8;
/** Yoga's gCurrentGenerationCount: one more for each calculateLayout, over all trees. */
let generation = 0;

// Yoga's algorithm/Cache.cpp: when a measure function's earlier answer still holds.
function sizeIsExactAndMatchesOldMeasuredSize(mode: number, size: number, lastComputed: number): boolean {
  return mode === STRETCH_FIT && inexactEquals(size, lastComputed);
}
function oldSizeIsMaxContentAndStillFits(mode: number, size: number, lastMode: number, lastComputed: number): boolean {
  return mode === FIT_CONTENT && lastMode === MAX_CONTENT && (size >= lastComputed || inexactEquals(size, lastComputed));
}
function newSizeIsStricterAndStillValid(mode: number, size: number, lastMode: number, lastSize: number, lastComputed: number): boolean {
  return lastMode === FIT_CONTENT && mode === FIT_CONTENT && isDefined(lastSize) && isDefined(size) && isDefined(lastComputed) && lastSize > size && (lastComputed <= size || inexactEquals(size, lastComputed));
}
function canUseCachedMeasurement(wm: number, aw: number, hm: number, ah: number, e: CacheEntry, marginRow: number, marginColumn: number): boolean {
  if ((isDefined(e.ch) && e.ch < 0) || (isDefined(e.cw) && e.cw < 0)) return false;
  const sameW = e.wm === wm && inexactEquals(roundToPixelGrid(e.aw, false, false), roundToPixelGrid(aw, false, false));
  const sameH = e.hm === hm && inexactEquals(roundToPixelGrid(e.ah, false, false), roundToPixelGrid(ah, false, false));
  const widthOk = sameW || sizeIsExactAndMatchesOldMeasuredSize(wm, aw - marginRow, e.cw) || oldSizeIsMaxContentAndStillFits(wm, aw - marginRow, e.wm, e.cw) || newSizeIsStricterAndStillValid(wm, aw - marginRow, e.wm, e.aw, e.cw);
  const heightOk = sameH || sizeIsExactAndMatchesOldMeasuredSize(hm, ah - marginColumn, e.ch) || oldSizeIsMaxContentAndStillFits(hm, ah - marginColumn, e.hm, e.ch) || newSizeIsStricterAndStillValid(hm, ah - marginColumn, e.hm, e.ah, e.ch);
  return widthOk && heightOk;
}
const sameInputs = (e: CacheEntry, aw: number, ah: number, wm: number, hm: number): boolean => inexactEquals(e.aw, aw) && inexactEquals(e.ah, ah) && e.wm === wm && e.hm === hm;

export class Node {
  parent: Node | null = null;
  children: Node[] = [];
  // style (Yoga's defaults)
  private flexDirection = FLEX_DIRECTION_COLUMN;
  private justifyContent = JUSTIFY_FLEX_START;
  private alignItems = ALIGN_STRETCH;
  private alignSelf = ALIGN_AUTO;
  private display = DISPLAY_FLEX;
  private flexGrow = NaN;
  private flexShrink = NaN;
  private flexBasis: Length = AUTO;
  private width: Length = AUTO;
  private height: Length = AUTO;
  private minWidth: Length = UNDEFINED;
  private minHeight: Length = UNDEFINED;
  private readonly margin = new Float64Array(9).fill(NaN);
  private readonly padding = new Float64Array(9).fill(NaN);
  private readonly border = new Float64Array(9).fill(NaN);
  private readonly gap = new Float64Array(3).fill(NaN);
  private measureFunc: MeasureFunction | null = null;
  // layout state
  private dirty = true;
  private computedFlexBasis = NaN;
  private measuredW = NaN;
  private measuredH = NaN;
  private posLeft = 0;
  private posTop = 0;
  private layoutW = NaN;
  private layoutH = NaN;
  private readonly lMargin = new Float64Array(4);
  private readonly lPadding = new Float64Array(4);
  private readonly lBorder = new Float64Array(4);
  private generationCount = 0;
  private visitedLtr = false;
  private cachedMeasurements: CacheEntry[] = [];
  private nextCachedIndex = 0;
  private cachedLayout: CacheEntry = emptyEntry();

  static create(_config?: unknown): Node {
    return new Node();
  }
  static createDefault(): Node {
    return new Node();
  }
  static createWithConfig(_config?: unknown): Node {
    return new Node();
  }
  static destroy(node: Node): void {
    node.free();
  }

  // ------------------------------------------------------------------ tree
  insertChild(child: Node, index: number): void {
    if (this.measureFunc) throw new Error('Cannot add child: Nodes with measure functions cannot have children.');
    if (child.parent) throw new Error('Child already has a owner, it must be removed first.');
    child.parent = this;
    this.children.splice(index, 0, child);
    this.markDirtyAndPropagate();
  }
  removeChild(child: Node): void {
    const i = this.children.indexOf(child);
    if (i < 0) return;
    this.children.splice(i, 1);
    child.parent = null;
    child.resetLayout();
    this.markDirtyAndPropagate();
  }
  getChildCount(): number {
    return this.children.length;
  }
  getChild(index: number): Node {
    return this.children[index]!;
  }
  getParent(): Node | null {
    return this.parent;
  }
  free(): void {
    if (this.parent) this.parent.removeChild(this);
    for (const c of this.children) c.parent = null;
    this.children = [];
  }
  freeRecursive(): void {
    const kids = this.children.slice();
    this.free();
    for (const c of kids) c.freeRecursive();
  }
  reset(): void {
    if (this.children.length) throw new Error('Cannot reset a node which still has children attached');
    if (this.parent) throw new Error('Cannot reset a node still attached to a owner');
    Object.assign(this, new Node());
  }

  // ------------------------------------------------------------------ dirtiness
  markDirty(): void {
    if (!this.measureFunc) throw new Error('Only leaf nodes with custom measure functions should manually mark themselves as dirty');
    this.markDirtyAndPropagate();
  }
  isDirty(): boolean {
    return this.dirty;
  }
  private markDirtyAndPropagate(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.computedFlexBasis = NaN;
    this.parent?.markDirtyAndPropagate();
  }
  private touch<T>(current: T, next: T, equal = (a: T, b: T) => a === b || (typeof a === 'number' && Number.isNaN(a) && Number.isNaN(b as number))): boolean {
    if (equal(current, next)) return false;
    this.markDirtyAndPropagate();
    return true;
  }

  // ------------------------------------------------------------------ style setters (Ink's set)
  setFlexDirection(v: number): void {
    if (v === FLEX_DIRECTION_ROW_REVERSE || v === FLEX_DIRECTION_COLUMN_REVERSE) unsupported('reverse flex directions');
    if (this.touch(this.flexDirection, v)) this.flexDirection = v;
  }
  setJustifyContent(v: number): void {
    if (this.touch(this.justifyContent, v)) this.justifyContent = v;
  }
  setAlignItems(v: number): void {
    if (v === ALIGN_BASELINE || v > ALIGN_BASELINE) unsupported('alignItems other than auto, flex-start, center, flex-end, stretch');
    if (this.touch(this.alignItems, v)) this.alignItems = v;
  }
  setAlignSelf(v: number): void {
    if (v === ALIGN_BASELINE || v > ALIGN_BASELINE) unsupported('alignSelf other than auto, flex-start, center, flex-end, stretch');
    if (this.touch(this.alignSelf, v)) this.alignSelf = v;
  }
  setAlignContent(v: number): void {
    // Only multi-line (wrapping) containers use it, and wrapping is refused.
    void v;
  }
  setFlexWrap(v: number): void {
    if (v !== WRAP_NO_WRAP) unsupported('flex-wrap');
  }
  setPositionType(v: number): void {
    if (v === POSITION_TYPE_ABSOLUTE) unsupported('absolute positioning');
    // static and relative lay out alike without insets (insets are refused)
  }
  setPosition(_edge: number, value: unknown): void {
    if (value !== undefined && !(typeof value === 'number' && Number.isNaN(value))) unsupported('position insets');
  }
  setOverflow(v: number): void {
    if (v === OVERFLOW_SCROLL) unsupported('overflow: scroll');
  }
  setDisplay(v: number): void {
    if (v === DISPLAY_CONTENTS) unsupported('display: contents');
    if (this.touch(this.display, v)) this.display = v;
  }
  setDirection(v: number): void {
    if (v === DIRECTION_RTL) unsupported('right-to-left direction');
  }
  setFlexGrow(v: number | undefined): void {
    const n = v === undefined ? NaN : f(v);
    if (this.touch(this.flexGrow, n)) this.flexGrow = n;
  }
  setFlexShrink(v: number | undefined): void {
    const n = v === undefined ? NaN : f(v);
    if (this.touch(this.flexShrink, n)) this.flexShrink = n;
  }
  setFlex(v: number | undefined): void {
    if (v !== undefined && !Number.isNaN(v)) unsupported('the flex shorthand');
  }
  setFlexBasis(v: unknown): void {
    const l = typeof v === 'number' && Number.isNaN(v) ? AUTO : lengthOf(v, true, true, 'setFlexBasis');
    if (this.touch(this.flexBasis, l, sameLength)) this.flexBasis = l;
  }
  setFlexBasisPercent(v: number): void {
    this.setFlexBasis(`${v}%`);
  }
  setFlexBasisAuto(): void {
    this.setFlexBasis('auto');
  }
  setWidth(v: unknown): void {
    const l = lengthOf(v, true, true, 'setWidth');
    const next = l.unit === UNIT_UNDEFINED ? AUTO : l;
    if (this.touch(this.width, next, sameLength)) this.width = next;
  }
  setWidthPercent(v: number): void {
    this.setWidth(`${v}%`);
  }
  setWidthAuto(): void {
    this.setWidth('auto');
  }
  setHeight(v: unknown): void {
    const l = lengthOf(v, true, true, 'setHeight');
    const next = l.unit === UNIT_UNDEFINED ? AUTO : l;
    if (this.touch(this.height, next, sameLength)) this.height = next;
  }
  setHeightPercent(v: number): void {
    this.setHeight(`${v}%`);
  }
  setHeightAuto(): void {
    this.setHeight('auto');
  }
  setMinWidth(v: unknown): void {
    const l = lengthOf(v, true, false, 'setMinWidth');
    if (this.touch(this.minWidth, l, sameLength)) this.minWidth = l;
  }
  setMinWidthPercent(v: number): void {
    this.setMinWidth(`${v}%`);
  }
  setMinHeight(v: unknown): void {
    const l = lengthOf(v, true, false, 'setMinHeight');
    if (this.touch(this.minHeight, l, sameLength)) this.minHeight = l;
  }
  setMinHeightPercent(v: number): void {
    this.setMinHeight(`${v}%`);
  }
  setMaxWidth(v: unknown): void {
    if (lengthOf(v, true, false, 'setMaxWidth').unit !== UNIT_UNDEFINED) unsupported('max sizes');
  }
  setMaxHeight(v: unknown): void {
    if (lengthOf(v, true, false, 'setMaxHeight').unit !== UNIT_UNDEFINED) unsupported('max sizes');
  }
  setAspectRatio(v: number | undefined): void {
    if (v !== undefined && !Number.isNaN(v)) unsupported('aspect ratio');
  }
  private setEdge(arr: Float64Array, edge: number, v: unknown, what: string): void {
    if (edge < EDGE_LEFT || edge > EDGE_ALL) throw new Error(`${what}: no edge ${edge}`);
    const n = lengthOf(v, false, false, what).value;
    if (this.touch(arr[edge]!, n)) arr[edge] = n;
  }
  setMargin(edge: number, v: unknown): void {
    this.setEdge(this.margin, edge, v, 'setMargin');
  }
  setPadding(edge: number, v: unknown): void {
    this.setEdge(this.padding, edge, v, 'setPadding');
  }
  setBorder(edge: number, v: number | undefined): void {
    this.setEdge(this.border, edge, v, 'setBorder');
  }
  setGap(gutter: number, v: unknown): void {
    if (gutter < GUTTER_COLUMN || gutter > GUTTER_ALL) throw new Error(`setGap: no gutter ${gutter}`);
    const n = lengthOf(v, false, false, 'setGap').value;
    if (this.touch(this.gap[gutter]!, n)) this.gap[gutter] = n;
  }
  setMeasureFunc(fn: MeasureFunction | null | undefined): void {
    if (fn && this.children.length) throw new Error('Cannot set measure function: Nodes with measure functions cannot have children.');
    this.measureFunc = fn ?? null;
    this.markDirtyAndPropagate();
  }
  unsetMeasureFunc(): void {
    this.setMeasureFunc(null);
  }
  setDirtiedFunc(): void {
    /* Ink does not use it */
  }
  setAlwaysFormsContainingBlock(): void {
    /* containing blocks matter only for absolute positioning, which is refused */
  }

  // ------------------------------------------------------------------ getters
  getDisplay(): number {
    return this.display;
  }
  getFlexDirection(): number {
    return this.flexDirection;
  }
  getComputedLeft(): number {
    return this.posLeft;
  }
  getComputedTop(): number {
    return this.posTop;
  }
  getComputedRight(): number {
    return this.parent ? this.parent.layoutW - this.posLeft - this.layoutW : 0;
  }
  getComputedBottom(): number {
    return this.parent ? this.parent.layoutH - this.posTop - this.layoutH : 0;
  }
  getComputedWidth(): number {
    return this.layoutW;
  }
  getComputedHeight(): number {
    return this.layoutH;
  }
  getComputedLayout(): { left: number; top: number; width: number; height: number; right: number; bottom: number } {
    return { left: this.posLeft, top: this.posTop, width: this.layoutW, height: this.layoutH, right: this.getComputedRight(), bottom: this.getComputedBottom() };
  }
  getComputedMargin(edge: number): number {
    return this.physical(this.lMargin, edge);
  }
  getComputedPadding(edge: number): number {
    return this.physical(this.lPadding, edge);
  }
  getComputedBorder(edge: number): number {
    return this.physical(this.lBorder, edge);
  }
  private physical(arr: Float64Array, edge: number): number {
    if (edge === EDGE_START) return arr[0]!;
    if (edge === EDGE_END) return arr[2]!;
    if (edge >= EDGE_LEFT && edge <= EDGE_BOTTOM) return arr[edge]!;
    throw new Error(`Cannot get layout properties of multi-edge shorthands`);
  }

  // ------------------------------------------------------------------ style resolution (LTR)
  /** Physical edge value of a style edge array: Yoga's computeLeftEdge & co. for LTR. */
  private edge(arr: Float64Array, physical: number): number {
    let v: number;
    if (physical === EDGE_LEFT) v = isDefined(arr[EDGE_START]!) ? arr[EDGE_START]! : isDefined(arr[EDGE_LEFT]!) ? arr[EDGE_LEFT]! : isDefined(arr[EDGE_HORIZONTAL]!) ? arr[EDGE_HORIZONTAL]! : arr[EDGE_ALL]!;
    else if (physical === EDGE_RIGHT) v = isDefined(arr[EDGE_END]!) ? arr[EDGE_END]! : isDefined(arr[EDGE_RIGHT]!) ? arr[EDGE_RIGHT]! : isDefined(arr[EDGE_HORIZONTAL]!) ? arr[EDGE_HORIZONTAL]! : arr[EDGE_ALL]!;
    else v = isDefined(arr[physical]!) ? arr[physical]! : isDefined(arr[EDGE_VERTICAL]!) ? arr[EDGE_VERTICAL]! : arr[EDGE_ALL]!;
    return v;
  }
  private marginEdge(e: number): number {
    const v = this.edge(this.margin, e);
    return isDefined(v) ? v : 0;
  }
  private paddingEdge(e: number): number {
    return maxOrDefined(this.edge(this.padding, e), 0);
  }
  private borderEdge(e: number): number {
    return maxOrDefined(this.edge(this.border, e), 0);
  }
  private marginForAxis(axis: number): number {
    return isRow(axis) ? this.marginEdge(EDGE_LEFT) + this.marginEdge(EDGE_RIGHT) : this.marginEdge(EDGE_TOP) + this.marginEdge(EDGE_BOTTOM);
  }
  private leadingMargin(axis: number): number {
    return this.marginEdge(isRow(axis) ? EDGE_LEFT : EDGE_TOP);
  }
  private paddingAndBorderForAxis(axis: number): number {
    return isRow(axis)
      ? this.paddingEdge(EDGE_LEFT) + this.borderEdge(EDGE_LEFT) + this.paddingEdge(EDGE_RIGHT) + this.borderEdge(EDGE_RIGHT)
      : this.paddingEdge(EDGE_TOP) + this.borderEdge(EDGE_TOP) + this.paddingEdge(EDGE_BOTTOM) + this.borderEdge(EDGE_BOTTOM);
  }
  private leadingPaddingAndBorder(axis: number): number {
    const e = isRow(axis) ? EDGE_LEFT : EDGE_TOP;
    return this.paddingEdge(e) + this.borderEdge(e);
  }
  private gapForAxis(axis: number): number {
    const g = isRow(axis) ? (isDefined(this.gap[GUTTER_COLUMN]!) ? this.gap[GUTTER_COLUMN]! : this.gap[GUTTER_ALL]!) : isDefined(this.gap[GUTTER_ROW]!) ? this.gap[GUTTER_ROW]! : this.gap[GUTTER_ALL]!;
    return maxOrDefined(g, 0);
  }
  private dimStyle(axis: number): Length {
    return isRow(axis) ? this.width : this.height;
  }
  private hasDefiniteLength(axis: number, ownerSize: number): boolean {
    const v = resolve(this.dimStyle(axis), ownerSize);
    return isDefined(v) && v >= 0;
  }
  private resolvedDimension(axis: number, ownerSize: number): number {
    return resolve(this.dimStyle(axis), ownerSize);
  }
  private resolvedMin(axis: number, ownerSize: number): number {
    return resolve(isRow(axis) ? this.minWidth : this.minHeight, ownerSize);
  }
  private resolveFlexGrow(): number {
    if (!this.parent) return 0;
    return isDefined(this.flexGrow) ? this.flexGrow : 0;
  }
  private resolveFlexShrink(): number {
    if (!this.parent) return 0;
    return isDefined(this.flexShrink) ? this.flexShrink : 0;
  }
  private isNodeFlexible(): boolean {
    return this.resolveFlexGrow() !== 0 || this.resolveFlexShrink() !== 0;
  }
  private resolveFlexBasis(ownerSize: number): number {
    if (this.flexBasis.unit === UNIT_POINT || this.flexBasis.unit === UNIT_PERCENT) return resolve(this.flexBasis, ownerSize);
    return NaN;
  }
  private measured(axis: number): number {
    return isRow(axis) ? this.measuredW : this.measuredH;
  }
  private dimensionWithMargin(axis: number): number {
    return this.measured(axis) + this.marginForAxis(axis);
  }
  private boundWithinMin(axis: number, value: number, axisSize: number): number {
    const min = this.resolvedMin(axis, axisSize);
    if (min >= 0 && value < min) return min;
    return value;
  }
  private boundAxis(axis: number, value: number, axisSize: number): number {
    return maxOrDefined(this.boundWithinMin(axis, value, axisSize), this.paddingAndBorderForAxis(axis));
  }
  private alignOf(child: Node): number {
    return child.alignSelf === ALIGN_AUTO ? this.alignItems : child.alignSelf;
  }

  // ------------------------------------------------------------------ layout
  calculateLayout(width?: number | 'auto', height?: number | 'auto', direction: number = DIRECTION_LTR): void {
    if (direction === DIRECTION_RTL) unsupported('right-to-left direction');
    void DIRECTION_INHERIT;
    const ownerW = typeof width === 'number' ? width : NaN;
    const ownerH = typeof height === 'number' ? height : NaN;
    let w: number, wm: number, h: number, hm: number;
    if (this.hasDefiniteLength(FLEX_DIRECTION_ROW, ownerW)) {
      w = this.resolvedDimension(FLEX_DIRECTION_ROW, ownerW) + this.marginForAxis(FLEX_DIRECTION_ROW);
      wm = STRETCH_FIT;
    } else {
      w = ownerW;
      wm = isDefined(w) ? STRETCH_FIT : MAX_CONTENT;
    }
    if (this.hasDefiniteLength(FLEX_DIRECTION_COLUMN, ownerH)) {
      h = this.resolvedDimension(FLEX_DIRECTION_COLUMN, ownerH) + this.marginForAxis(FLEX_DIRECTION_COLUMN);
      hm = STRETCH_FIT;
    } else {
      h = ownerH;
      hm = isDefined(h) ? STRETCH_FIT : MAX_CONTENT;
    }
    generation++;
    if (!this.layoutInternal(w, h, wm, hm, ownerW, ownerH, true)) return;
    this.posLeft = this.marginEdge(EDGE_LEFT);
    this.posTop = this.marginEdge(EDGE_TOP);
    this.round(0, 0);
  }

  /** Yoga's calculateLayoutInternal: the caches, then the layout. True when it laid out anew. */
  private layoutInternal(aw: number, ah: number, wm: number, hm: number, ow: number, oh: number, performLayout: boolean): boolean {
    aw = f(aw);
    ah = f(ah);
    const needToVisitNode = (this.dirty && this.generationCount !== generation) || !this.visitedLtr;
    if (needToVisitNode) {
      this.nextCachedIndex = 0;
      this.cachedLayout = emptyEntry();
    }
    let cached: CacheEntry | null = null;
    if (this.measureFunc) {
      const marginRow = this.marginForAxis(FLEX_DIRECTION_ROW);
      const marginColumn = this.marginForAxis(FLEX_DIRECTION_COLUMN);
      if (canUseCachedMeasurement(wm, aw, hm, ah, this.cachedLayout, marginRow, marginColumn)) cached = this.cachedLayout;
      else {
        for (let i = 0; i < this.nextCachedIndex; i++) {
          if (canUseCachedMeasurement(wm, aw, hm, ah, this.cachedMeasurements[i]!, marginRow, marginColumn)) {
            cached = this.cachedMeasurements[i]!;
            break;
          }
        }
      }
    } else if (performLayout) {
      if (sameInputs(this.cachedLayout, aw, ah, wm, hm)) cached = this.cachedLayout;
    } else {
      for (let i = 0; i < this.nextCachedIndex; i++) {
        if (sameInputs(this.cachedMeasurements[i]!, aw, ah, wm, hm)) {
          cached = this.cachedMeasurements[i]!;
          break;
        }
      }
    }
    if (!needToVisitNode && cached !== null) {
      this.measuredW = cached.cw;
      this.measuredH = cached.ch;
    } else {
      this.layoutImpl(aw, ah, wm, hm, ow, oh, performLayout);
      this.measuredW = f(this.measuredW);
      this.measuredH = f(this.measuredH);
      this.visitedLtr = true;
      if (cached === null) {
        if (this.nextCachedIndex === MAX_CACHED_MEASUREMENTS) this.nextCachedIndex = 0;
        let entry: CacheEntry;
        if (performLayout) entry = this.cachedLayout;
        else {
          entry = this.cachedMeasurements[this.nextCachedIndex] ??= emptyEntry();
          this.nextCachedIndex++;
        }
        entry.aw = aw;
        entry.ah = ah;
        entry.wm = wm;
        entry.hm = hm;
        entry.cw = this.measuredW;
        entry.ch = this.measuredH;
      }
    }
    if (performLayout) {
      this.layoutW = this.measuredW;
      this.layoutH = this.measuredH;
      this.dirty = false;
    }
    this.generationCount = generation;
    return needToVisitNode || cached === null;
  }

  /** Yoga's `setLayout(LayoutResults{})` on a removed child: no size, no caches. */
  private resetLayout(): void {
    this.posLeft = 0;
    this.posTop = 0;
    this.layoutW = NaN;
    this.layoutH = NaN;
    this.measuredW = NaN;
    this.measuredH = NaN;
    this.lMargin.fill(0);
    this.lPadding.fill(0);
    this.lBorder.fill(0);
    this.resetCaches();
  }

  private resetCaches(): void {
    this.cachedLayout = emptyEntry();
    this.cachedMeasurements = [];
    this.nextCachedIndex = 0;
    this.generationCount = 0;
    this.visitedLtr = false;
    this.computedFlexBasis = NaN;
  }

  private zeroOut(): void {
    this.posLeft = 0;
    this.posTop = 0;
    this.layoutW = 0;
    this.layoutH = 0;
    this.measuredW = NaN;
    this.measuredH = NaN;
    this.lMargin.fill(0);
    this.lPadding.fill(0);
    this.lBorder.fill(0);
    this.resetCaches();
    for (const c of this.children) c.zeroOut();
  }

  private layoutImpl(aw: number, ah: number, wm: number, hm: number, ownerW: number, ownerH: number, performLayout: boolean): void {
    for (let e = 0; e < 4; e++) {
      this.lMargin[e] = this.marginEdge(e);
      this.lBorder[e] = this.borderEdge(e);
      this.lPadding[e] = this.paddingEdge(e);
    }
    const marginAxisRow = this.lMargin[EDGE_LEFT]! + this.lMargin[EDGE_RIGHT]!;
    const marginAxisColumn = this.lMargin[EDGE_TOP]! + this.lMargin[EDGE_BOTTOM]!;
    const ROW = FLEX_DIRECTION_ROW;
    const COL = FLEX_DIRECTION_COLUMN;

    if (this.measureFunc) {
      this.measureWithMeasureFunc(f(aw - marginAxisRow), f(ah - marginAxisColumn), wm, hm, ownerW, ownerH);
      return;
    }
    if (this.children.length === 0) {
      let w = aw - marginAxisRow;
      if (wm === MAX_CONTENT || wm === FIT_CONTENT) w = this.paddingAndBorderForAxis(ROW);
      this.measuredW = this.boundAxis(ROW, w, ownerW);
      let h = ah - marginAxisColumn;
      if (hm === MAX_CONTENT || hm === FIT_CONTENT) h = this.paddingAndBorderForAxis(COL);
      this.measuredH = this.boundAxis(COL, h, ownerH);
      return;
    }
    if (!performLayout) {
      const w = aw - marginAxisRow;
      const h = ah - marginAxisColumn;
      if ((isDefined(w) && wm === FIT_CONTENT && w <= 0) || (isDefined(h) && hm === FIT_CONTENT && h <= 0) || (wm === STRETCH_FIT && hm === STRETCH_FIT)) {
        this.measuredW = this.boundAxis(ROW, Number.isNaN(w) || (wm === FIT_CONTENT && w < 0) ? 0 : w, ownerW);
        this.measuredH = this.boundAxis(COL, Number.isNaN(h) || (hm === FIT_CONTENT && h < 0) ? 0 : h, ownerH);
        return;
      }
    }

    const mainAxis = this.flexDirection === ROW ? ROW : COL;
    const crossAxis = mainAxis === ROW ? COL : ROW;
    const isMainAxisRow = mainAxis === ROW;
    const mainAxisOwnerSize = isMainAxisRow ? ownerW : ownerH;
    const crossAxisOwnerSize = isMainAxisRow ? ownerH : ownerW;
    const pbMain = this.paddingAndBorderForAxis(mainAxis);
    const pbCross = this.paddingAndBorderForAxis(crossAxis);
    const leadingPBCross = this.leadingPaddingAndBorder(crossAxis);
    const modeMain = isMainAxisRow ? wm : hm;
    const modeCross = isMainAxisRow ? hm : wm;
    const pbRow = isMainAxisRow ? pbMain : pbCross;
    const pbCol = isMainAxisRow ? pbCross : pbMain;

    const availInnerW = this.availableInner(ROW, aw - marginAxisRow, pbRow, ownerW);
    const availInnerH = this.availableInner(COL, ah - marginAxisColumn, pbCol, ownerH);
    let availInnerMain = isMainAxisRow ? availInnerW : availInnerH;
    const availInnerCross = isMainAxisRow ? availInnerH : availInnerW;

    this.computeFlexBasisForChildren(availInnerW, availInnerH, wm, hm, mainAxis, performLayout);

    // the one flex line (nowrap)
    const items: Node[] = [];
    let sizeConsumed = 0;
    let totalGrow = 0;
    let totalShrink = 0;
    const gap = this.gapForAxis(mainAxis);
    for (const child of this.children) {
      if (child.display === DISPLAY_NONE) continue;
      const leadingGap = items.length === 0 ? 0 : gap;
      const fb = child.boundWithinMin(mainAxis, child.computedFlexBasis, mainAxisOwnerSize);
      sizeConsumed = f(sizeConsumed + f(f(fb + child.marginForAxis(mainAxis)) + leadingGap));
      if (child.isNodeFlexible()) {
        totalGrow = f(totalGrow + child.resolveFlexGrow());
        totalShrink = f(totalShrink + f(-child.resolveFlexShrink() * child.computedFlexBasis));
      }
      items.push(child);
    }
    if (totalGrow > 0 && totalGrow < 1) totalGrow = 1;
    if (totalShrink > 0 && totalShrink < 1) totalShrink = 1;
    const line = { sizeConsumed, totalGrow, totalShrink, remaining: 0, mainDim: 0, crossDim: 0 };

    const canSkipFlex = !performLayout && modeCross === STRETCH_FIT;
    let sizeBasedOnContent = false;
    if (modeMain !== STRETCH_FIT) {
      const minInnerMain = this.resolvedMin(mainAxis, mainAxisOwnerSize) - (isMainAxisRow ? pbRow : pbCol);
      if (isDefined(minInnerMain) && line.sizeConsumed < minInnerMain) {
        availInnerMain = minInnerMain;
      } else {
        if ((isDefined(line.totalGrow) && line.totalGrow === 0) || this.resolveFlexGrow() === 0) availInnerMain = line.sizeConsumed;
        sizeBasedOnContent = true;
      }
    }
    if (!sizeBasedOnContent && isDefined(availInnerMain)) line.remaining = f(availInnerMain - line.sizeConsumed);
    else if (line.sizeConsumed < 0) line.remaining = -line.sizeConsumed;

    if (!canSkipFlex) this.resolveFlexibleLength(line, items, mainAxis, crossAxis, mainAxisOwnerSize, availInnerMain, availInnerCross, availInnerW, availInnerH, modeCross, performLayout);

    this.justifyMainAxis(line, items, mainAxis, crossAxis, modeMain, modeCross, mainAxisOwnerSize, availInnerMain, availInnerCross, performLayout);

    let containerCrossAxis = availInnerCross;
    if (modeCross === MAX_CONTENT || modeCross === FIT_CONTENT) containerCrossAxis = this.boundAxis(crossAxis, line.crossDim + pbCross, crossAxisOwnerSize) - pbCross;
    if (modeCross === STRETCH_FIT) line.crossDim = availInnerCross;
    line.crossDim = this.boundAxis(crossAxis, line.crossDim + pbCross, crossAxisOwnerSize) - pbCross;

    if (performLayout) {
      for (const child of items) {
        let leadingCrossDim = leadingPBCross;
        const align = this.alignOf(child);
        if (align === ALIGN_STRETCH) {
          if (!child.hasDefiniteLength(crossAxis, availInnerCross)) {
            const childMainSize = child.measured(mainAxis) + child.marginForAxis(mainAxis);
            const childCrossSize = line.crossDim;
            const cw = isMainAxisRow ? childMainSize : childCrossSize;
            const ch = isMainAxisRow ? childCrossSize : childMainSize;
            child.layoutInternal(cw, ch, Number.isNaN(cw) ? MAX_CONTENT : STRETCH_FIT, Number.isNaN(ch) ? MAX_CONTENT : STRETCH_FIT, availInnerW, availInnerH, true);
          }
        } else {
          const remainingCrossDim = containerCrossAxis - child.dimensionWithMargin(crossAxis);
          if (align === ALIGN_CENTER) leadingCrossDim += remainingCrossDim / 2;
          else if (align !== ALIGN_FLEX_START) leadingCrossDim += remainingCrossDim;
        }
        if (isMainAxisRow) child.posTop = f(child.posTop + leadingCrossDim);
        else child.posLeft = f(child.posLeft + leadingCrossDim);
      }
    }
    const totalLineCrossDim = line.crossDim;
    const maxLineMainDim = line.mainDim;

    this.measuredW = this.boundAxis(ROW, aw - marginAxisRow, ownerW);
    this.measuredH = this.boundAxis(COL, ah - marginAxisColumn, ownerH);
    if (modeMain === MAX_CONTENT || modeMain === FIT_CONTENT) {
      const v = this.boundAxis(mainAxis, maxLineMainDim, mainAxisOwnerSize);
      if (isMainAxisRow) this.measuredW = v;
      else this.measuredH = v;
    }
    if (modeCross === MAX_CONTENT || modeCross === FIT_CONTENT) {
      const v = this.boundAxis(crossAxis, totalLineCrossDim + pbCross, crossAxisOwnerSize);
      if (isMainAxisRow) this.measuredH = v;
      else this.measuredW = v;
    }
  }

  private availableInner(axis: number, availableDim: number, pb: number, ownerDim: number): number {
    let inner = availableDim - pb;
    if (isDefined(inner)) {
      const min = this.resolvedMin(axis, ownerDim);
      const minInner = Number.isNaN(min) ? 0 : min - pb;
      inner = maxOrDefined(inner, minInner);
    }
    return inner;
  }

  private measureWithMeasureFunc(aw: number, ah: number, wm: number, hm: number, ownerW: number, ownerH: number): void {
    const ROW = FLEX_DIRECTION_ROW;
    const COL = FLEX_DIRECTION_COLUMN;
    if (wm === MAX_CONTENT) aw = NaN;
    if (hm === MAX_CONTENT) ah = NaN;
    const pbRow = this.lPadding[EDGE_LEFT]! + this.lPadding[EDGE_RIGHT]! + this.lBorder[EDGE_LEFT]! + this.lBorder[EDGE_RIGHT]!;
    const pbCol = this.lPadding[EDGE_TOP]! + this.lPadding[EDGE_BOTTOM]! + this.lBorder[EDGE_TOP]! + this.lBorder[EDGE_BOTTOM]!;
    const innerW = Number.isNaN(aw) ? aw : maxOrDefined(0, f(aw - pbRow));
    const innerH = Number.isNaN(ah) ? ah : maxOrDefined(0, f(ah - pbCol));
    if (wm === STRETCH_FIT && hm === STRETCH_FIT) {
      this.measuredW = this.boundAxis(ROW, aw, ownerW);
      this.measuredH = this.boundAxis(COL, ah, ownerH);
      return;
    }
    const size = this.measureFunc!(f(innerW), wm, f(innerH), hm);
    const mw = f(size.width ?? NaN);
    const mh = f(size.height ?? NaN);
    this.measuredW = this.boundAxis(ROW, wm === MAX_CONTENT || wm === FIT_CONTENT ? mw + pbRow : aw, ownerW);
    this.measuredH = this.boundAxis(COL, hm === MAX_CONTENT || hm === FIT_CONTENT ? mh + pbCol : ah, ownerH);
  }

  private computeFlexBasisForChildren(availInnerW: number, availInnerH: number, wm: number, hm: number, mainAxis: number, performLayout: boolean): void {
    let singleFlexChild: Node | null = null;
    const modeMain = isRow(mainAxis) ? wm : hm;
    if (modeMain === STRETCH_FIT) {
      for (const child of this.children) {
        if (child.isNodeFlexible()) {
          if (singleFlexChild !== null || inexactEquals(child.resolveFlexGrow(), 0) || inexactEquals(child.resolveFlexShrink(), 0)) {
            singleFlexChild = null;
            break;
          }
          singleFlexChild = child;
        }
      }
    }
    for (const child of this.children) {
      if (child.display === DISPLAY_NONE) {
        child.zeroOut();
        child.dirty = false;
        continue;
      }
      if (performLayout) {
        child.posLeft = child.marginEdge(EDGE_LEFT);
        child.posTop = child.marginEdge(EDGE_TOP);
      }
      if (child === singleFlexChild) child.computedFlexBasis = 0;
      else this.computeFlexBasisForChild(child, availInnerW, wm, availInnerH, availInnerW, availInnerH, hm);
    }
  }

  private computeFlexBasisForChild(child: Node, width: number, widthMode: number, height: number, ownerW: number, ownerH: number, heightMode: number): void {
    const ROW = FLEX_DIRECTION_ROW;
    const COL = FLEX_DIRECTION_COLUMN;
    const mainAxis = this.flexDirection === ROW ? ROW : COL;
    const isMainAxisRow = mainAxis === ROW;
    const mainAxisSize = isMainAxisRow ? width : height;
    const mainAxisOwnerSize = isMainAxisRow ? ownerW : ownerH;
    const resolvedFlexBasis = child.resolveFlexBasis(mainAxisOwnerSize);
    const isRowStyleDimDefined = child.hasDefiniteLength(ROW, ownerW);
    const isColumnStyleDimDefined = child.hasDefiniteLength(COL, ownerH);
    if (isDefined(resolvedFlexBasis) && isDefined(mainAxisSize)) {
      if (Number.isNaN(child.computedFlexBasis)) child.computedFlexBasis = f(maxOrDefined(resolvedFlexBasis, child.paddingAndBorderForAxis(mainAxis)));
    } else if (isMainAxisRow && isRowStyleDimDefined) {
      child.computedFlexBasis = f(maxOrDefined(child.resolvedDimension(ROW, ownerW), child.paddingAndBorderForAxis(ROW)));
    } else if (!isMainAxisRow && isColumnStyleDimDefined) {
      child.computedFlexBasis = f(maxOrDefined(child.resolvedDimension(COL, ownerH), child.paddingAndBorderForAxis(COL)));
    } else {
      let childW = NaN;
      let childH = NaN;
      let wm = MAX_CONTENT;
      let hm = MAX_CONTENT;
      const marginRow = child.marginForAxis(ROW);
      const marginColumn = child.marginForAxis(COL);
      if (isRowStyleDimDefined) {
        childW = child.resolvedDimension(ROW, ownerW) + marginRow;
        wm = STRETCH_FIT;
      }
      if (isColumnStyleDimDefined) {
        childH = child.resolvedDimension(COL, ownerH) + marginColumn;
        hm = STRETCH_FIT;
      }
      if (Number.isNaN(childW) && isDefined(width)) {
        childW = width;
        wm = FIT_CONTENT;
      }
      if (Number.isNaN(childH) && isDefined(height)) {
        childH = height;
        hm = FIT_CONTENT;
      }
      const align = this.alignOf(child);
      if (!isMainAxisRow && !isRowStyleDimDefined && isDefined(width) && widthMode === STRETCH_FIT && align === ALIGN_STRETCH && wm !== STRETCH_FIT) {
        childW = width;
        wm = STRETCH_FIT;
      }
      if (isMainAxisRow && !isColumnStyleDimDefined && isDefined(height) && heightMode === STRETCH_FIT && align === ALIGN_STRETCH && hm !== STRETCH_FIT) {
        childH = height;
        hm = STRETCH_FIT;
      }
      child.layoutInternal(childW, childH, wm, hm, ownerW, ownerH, false);
      child.computedFlexBasis = f(maxOrDefined(child.measured(mainAxis), child.paddingAndBorderForAxis(mainAxis)));
    }
  }

  private resolveFlexibleLength(
    line: { totalGrow: number; totalShrink: number; remaining: number },
    items: Node[],
    mainAxis: number,
    crossAxis: number,
    mainAxisOwnerSize: number,
    availInnerMain: number,
    availInnerCross: number,
    availInnerW: number,
    availInnerH: number,
    modeCross: number,
    performLayout: boolean,
  ): void {
    const originalFreeSpace = line.remaining;
    // first pass: items whose min constraint triggers are frozen at it
    let delta = 0;
    for (const child of items) {
      const childFlexBasis = child.boundWithinMin(mainAxis, child.computedFlexBasis, mainAxisOwnerSize);
      if (line.remaining < 0) {
        const scaled = f(-child.resolveFlexShrink() * childFlexBasis);
        if (isDefined(scaled) && scaled !== 0) {
          const base = f(childFlexBasis + f(f(line.remaining / line.totalShrink) * scaled));
          const bound = child.boundAxis(mainAxis, base, availInnerMain);
          if (isDefined(base) && isDefined(bound) && base !== bound) {
            delta = f(delta + f(bound - childFlexBasis));
            line.totalShrink = f(line.totalShrink - f(-child.resolveFlexShrink() * child.computedFlexBasis));
          }
        }
      } else if (isDefined(line.remaining) && line.remaining > 0) {
        const grow = child.resolveFlexGrow();
        if (isDefined(grow) && grow !== 0) {
          const base = f(childFlexBasis + f(f(line.remaining / line.totalGrow) * grow));
          const bound = child.boundAxis(mainAxis, base, availInnerMain);
          if (isDefined(base) && isDefined(bound) && base !== bound) {
            delta = f(delta + f(bound - childFlexBasis));
            line.totalGrow = f(line.totalGrow - grow);
          }
        }
      }
    }
    line.remaining = f(line.remaining - delta);

    // second pass: sizes of the flexible items, then each laid out at its size
    const isMainAxisRow = isRow(mainAxis);
    let distributed = 0;
    for (const child of items) {
      const childFlexBasis = child.boundWithinMin(mainAxis, child.computedFlexBasis, mainAxisOwnerSize);
      let updatedMainSize = childFlexBasis;
      if (isDefined(line.remaining) && line.remaining < 0) {
        const scaled = f(-child.resolveFlexShrink() * childFlexBasis);
        if (scaled !== 0) {
          const childSize = isDefined(line.totalShrink) && line.totalShrink === 0 ? f(childFlexBasis + scaled) : f(childFlexBasis + f(f(line.remaining / line.totalShrink) * scaled));
          updatedMainSize = child.boundAxis(mainAxis, childSize, availInnerMain);
        }
      } else if (isDefined(line.remaining) && line.remaining > 0) {
        const grow = child.resolveFlexGrow();
        if (!Number.isNaN(grow) && grow !== 0) updatedMainSize = child.boundAxis(mainAxis, f(childFlexBasis + f(f(line.remaining / line.totalGrow) * grow)), availInnerMain);
      }
      updatedMainSize = f(updatedMainSize);
      distributed = f(distributed + f(updatedMainSize - childFlexBasis));

      const marginMain = child.marginForAxis(mainAxis);
      const marginCross = child.marginForAxis(crossAxis);
      let childCrossSize: number;
      let crossMode: number;
      const childMainSize = f(updatedMainSize + marginMain);
      const stretch = this.alignOf(child) === ALIGN_STRETCH;
      if (!Number.isNaN(availInnerCross) && !child.hasDefiniteLength(crossAxis, availInnerCross) && modeCross === STRETCH_FIT && stretch) {
        childCrossSize = availInnerCross;
        crossMode = STRETCH_FIT;
      } else if (!child.hasDefiniteLength(crossAxis, availInnerCross)) {
        childCrossSize = availInnerCross;
        crossMode = Number.isNaN(childCrossSize) ? MAX_CONTENT : FIT_CONTENT;
      } else {
        childCrossSize = child.resolvedDimension(crossAxis, availInnerCross) + marginCross;
        const loosePercent = child.dimStyle(crossAxis).unit === UNIT_PERCENT && modeCross !== STRETCH_FIT;
        crossMode = Number.isNaN(childCrossSize) || loosePercent ? MAX_CONTENT : STRETCH_FIT;
      }
      const requiresStretchLayout = !child.hasDefiniteLength(crossAxis, availInnerCross) && stretch;
      const cw = isMainAxisRow ? childMainSize : childCrossSize;
      const ch = isMainAxisRow ? childCrossSize : childMainSize;
      const isLayoutPass = performLayout && !requiresStretchLayout;
      child.layoutInternal(cw, ch, isMainAxisRow ? STRETCH_FIT : crossMode, isMainAxisRow ? crossMode : STRETCH_FIT, availInnerW, availInnerH, isLayoutPass);
    }
    line.remaining = f(originalFreeSpace - distributed);
  }

  private justifyMainAxis(
    line: { remaining: number; mainDim: number; crossDim: number },
    items: Node[],
    mainAxis: number,
    crossAxis: number,
    modeMain: number,
    modeCross: number,
    mainAxisOwnerSize: number,
    availInnerMain: number,
    availInnerCross: number,
    performLayout: boolean,
  ): void {
    const isMainAxisRow = isRow(mainAxis);
    const leadingPB = this.leadingPaddingAndBorder(mainAxis);
    const trailingPB = this.paddingAndBorderForAxis(mainAxis) - leadingPB;
    const gap = this.gapForAxis(mainAxis);
    if (modeMain === FIT_CONTENT && line.remaining > 0) {
      const min = this.resolvedMin(mainAxis, mainAxisOwnerSize);
      if (this.dimMinDefined(mainAxis) && isDefined(min)) {
        const minAvailableMainDim = min - leadingPB - trailingPB;
        const occupied = availInnerMain - line.remaining;
        line.remaining = maxOrDefined(0, minAvailableMainDim - occupied);
      } else {
        line.remaining = 0;
      }
    }
    let leadingMainDim = 0;
    let betweenMainDim = gap;
    // Yoga's fallbackAlignment for negative free space: space-between → flex-start,
    // space-around and space-evenly → flex-start (Yoga 3.2's Align.h), others unchanged.
    let justify = this.justifyContent;
    if (line.remaining < 0 && (justify === JUSTIFY_SPACE_BETWEEN || justify === JUSTIFY_SPACE_AROUND || justify === JUSTIFY_SPACE_EVENLY)) justify = JUSTIFY_FLEX_START;
    const n = items.length;
    // Yoga divides by the item count here: with free space and no item in flow (every child
    // display: none) its answer is garbage (FLT_MAX, measured); here the free space stays unused.
    if (n === 0) justify = JUSTIFY_FLEX_START;
    switch (justify) {
      case JUSTIFY_CENTER:
        leadingMainDim = line.remaining / 2;
        break;
      case JUSTIFY_FLEX_END:
        leadingMainDim = line.remaining;
        break;
      case JUSTIFY_SPACE_BETWEEN:
        if (n > 1) betweenMainDim += line.remaining / (n - 1);
        break;
      case JUSTIFY_SPACE_EVENLY:
        leadingMainDim = line.remaining / (n + 1);
        betweenMainDim += leadingMainDim;
        break;
      case JUSTIFY_SPACE_AROUND:
        leadingMainDim = (0.5 * line.remaining) / n;
        betweenMainDim += leadingMainDim * 2;
        break;
      default:
        break;
    }
    line.mainDim = leadingPB + leadingMainDim;
    line.crossDim = 0;
    for (let i = 0; i < n; i++) {
      const child = items[i]!;
      if (performLayout) {
        if (isMainAxisRow) child.posLeft = f(child.posLeft + line.mainDim);
        else child.posTop = f(child.posTop + line.mainDim);
      }
      if (i !== n - 1) line.mainDim += betweenMainDim;
      const canSkipFlex = !performLayout && modeCross === STRETCH_FIT;
      if (canSkipFlex) {
        line.mainDim += child.marginForAxis(mainAxis) + child.computedFlexBasis;
        line.crossDim = availInnerCross;
      } else {
        line.mainDim += child.dimensionWithMargin(mainAxis);
        line.crossDim = maxOrDefined(line.crossDim, child.dimensionWithMargin(crossAxis));
      }
    }
    line.mainDim += trailingPB;
  }

  private dimMinDefined(axis: number): boolean {
    return (isRow(axis) ? this.minWidth : this.minHeight).unit !== UNIT_UNDEFINED;
  }

  /**
   * Yoga's roundLayoutResultsToPixelGrid at a point scale factor of 1. Like Yoga, it writes the
   * rounded values over the layout: a subtree that the next pass takes from the cache is
   * rounded again from them (which is what Yoga draws after a resize, so it is mimicked).
   */
  private round(absoluteLeft: number, absoluteTop: number): void {
    const nodeLeft = this.posLeft;
    const nodeTop = this.posTop;
    const nodeWidth = this.layoutW;
    const nodeHeight = this.layoutH;
    const absLeft = absoluteLeft + nodeLeft;
    const absTop = absoluteTop + nodeTop;
    const absRight = absLeft + nodeWidth;
    const absBottom = absTop + nodeHeight;
    const text = this.measureFunc !== null;
    this.posLeft = roundToPixelGrid(nodeLeft, false, text);
    this.posTop = roundToPixelGrid(nodeTop, false, text);
    const fracW = !inexactEquals(nodeWidth % 1, 0) && !inexactEquals(nodeWidth % 1, 1);
    const fracH = !inexactEquals(nodeHeight % 1, 0) && !inexactEquals(nodeHeight % 1, 1);
    this.layoutW = roundToPixelGrid(absRight, text && fracW, text && !fracW) - roundToPixelGrid(absLeft, false, text);
    this.layoutH = roundToPixelGrid(absBottom, text && fracH, text && !fracH) - roundToPixelGrid(absTop, false, text);
    for (const c of this.children) c.round(absLeft, absTop);
  }
}

function roundToPixelGrid(value: number, forceCeil: boolean, forceFloor: boolean): number {
  let scaled = value;
  let fractial = scaled % 1;
  if (fractial < 0) ++fractial;
  if (inexactEquals(fractial, 0)) scaled = scaled - fractial;
  else if (inexactEquals(fractial, 1)) scaled = scaled - fractial + 1;
  else if (forceCeil) scaled = scaled - fractial + 1;
  else if (forceFloor) scaled = scaled - fractial;
  else scaled = scaled - fractial + (!Number.isNaN(fractial) && (fractial > 0.5 || inexactEquals(fractial, 0.5)) ? 1 : 0);
  return Number.isNaN(scaled) ? NaN : f(scaled);
}

const constants = {
  ALIGN_AUTO, ALIGN_FLEX_START, ALIGN_CENTER, ALIGN_FLEX_END, ALIGN_STRETCH, ALIGN_BASELINE,
  ALIGN_SPACE_BETWEEN: 6, ALIGN_SPACE_AROUND: 7, ALIGN_SPACE_EVENLY: 8,
  DIMENSION_WIDTH: 0, DIMENSION_HEIGHT: 1,
  DIRECTION_INHERIT, DIRECTION_LTR, DIRECTION_RTL,
  DISPLAY_FLEX, DISPLAY_NONE, DISPLAY_CONTENTS,
  EDGE_LEFT, EDGE_TOP, EDGE_RIGHT, EDGE_BOTTOM, EDGE_START, EDGE_END, EDGE_HORIZONTAL, EDGE_VERTICAL, EDGE_ALL,
  FLEX_DIRECTION_COLUMN, FLEX_DIRECTION_COLUMN_REVERSE, FLEX_DIRECTION_ROW, FLEX_DIRECTION_ROW_REVERSE,
  GUTTER_COLUMN, GUTTER_ROW, GUTTER_ALL,
  JUSTIFY_FLEX_START, JUSTIFY_CENTER, JUSTIFY_FLEX_END, JUSTIFY_SPACE_BETWEEN, JUSTIFY_SPACE_AROUND, JUSTIFY_SPACE_EVENLY,
  MEASURE_MODE_UNDEFINED, MEASURE_MODE_EXACTLY, MEASURE_MODE_AT_MOST,
  NODE_TYPE_DEFAULT: 0, NODE_TYPE_TEXT: 1,
  OVERFLOW_VISIBLE, OVERFLOW_HIDDEN, OVERFLOW_SCROLL,
  POSITION_TYPE_STATIC, POSITION_TYPE_RELATIVE, POSITION_TYPE_ABSOLUTE,
  UNIT_UNDEFINED, UNIT_POINT, UNIT_PERCENT, UNIT_AUTO,
  WRAP_NO_WRAP, WRAP_WRAP, WRAP_WRAP_REVERSE,
};

const Config = {
  create: () => ({ setPointScaleFactor() {}, setUseWebDefaults() {}, setErrata() {}, setExperimentalFeatureEnabled() {}, free() {} }),
  destroy: () => {},
};

const Yoga = { Node, Config, ...constants };
export default Yoga;
