/**
 * Print targets a shop can name instead of giving inches and DPI: the print files the common
 * print-on-demand products ask for, each with where its figures come from. Data, not logic:
 * `printPresets` lists them as they are here, and a generation stores the target it resolved.
 */

export interface PrintPreset {
  /** Stable name used in the API and the CLI (`--print poster-18x24`). */
  readonly id: string;
  readonly name: string;
  readonly widthInches: number;
  readonly heightInches: number;
  readonly dpi: number;
  /** Where the size and DPI are published. */
  readonly source: string;
}

const MM_PER_INCH = 25.4;
const PRINTFUL_PAPER = 'Printful print file guidelines: posters and paper prints at 300 DPI';
const PRINTFUL_GARMENT =
  'Printful API product print files: garment front 12×16 in (1800×2400 px at 150 DPI; 300 DPI for finer detail)';
const PRINTFUL_MUG = 'Printful mug print files: the wrap area at 300 DPI';
const ISO_216 = 'ISO 216 paper sizes (A4 210×297 mm, A3 297×420 mm) at 300 DPI, as Gelato asks for paper';

export const PRINT_PRESETS: readonly PrintPreset[] = [
  { id: 'poster-18x24', name: 'Poster 18×24 in', widthInches: 18, heightInches: 24, dpi: 300, source: PRINTFUL_PAPER },
  { id: 'poster-12x18', name: 'Poster 12×18 in', widthInches: 12, heightInches: 18, dpi: 300, source: PRINTFUL_PAPER },
  {
    id: 'garment-front-12x16-150',
    name: 'Garment front 12×16 in at 150 DPI',
    widthInches: 12,
    heightInches: 16,
    dpi: 150,
    source: PRINTFUL_GARMENT,
  },
  {
    id: 'garment-front-12x16-300',
    name: 'Garment front 12×16 in at 300 DPI',
    widthInches: 12,
    heightInches: 16,
    dpi: 300,
    source: PRINTFUL_GARMENT,
  },
  { id: 'mug-11oz', name: 'Mug wrap 11 oz', widthInches: 9, heightInches: 3.5, dpi: 300, source: PRINTFUL_MUG },
  { id: 'mug-15oz', name: 'Mug wrap 15 oz', widthInches: 9, heightInches: 4, dpi: 300, source: PRINTFUL_MUG },
  {
    id: 'a4-300',
    name: 'A4 at 300 DPI',
    widthInches: 210 / MM_PER_INCH,
    heightInches: 297 / MM_PER_INCH,
    dpi: 300,
    source: ISO_216,
  },
  {
    id: 'a3-300',
    name: 'A3 at 300 DPI',
    widthInches: 297 / MM_PER_INCH,
    heightInches: 420 / MM_PER_INCH,
    dpi: 300,
    source: ISO_216,
  },
  {
    id: 'sticker-3x3',
    name: 'Sticker 3×3 in',
    widthInches: 3,
    heightInches: 3,
    dpi: 300,
    source: 'Printful kiss-cut sticker print files: 3×3 in at 300 DPI',
  },
];

const byId = new Map(PRINT_PRESETS.map((preset) => [preset.id, preset]));

export function findPrintPreset(id: string): PrintPreset | undefined {
  return byId.get(id);
}
