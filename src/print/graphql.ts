/**
 * GraphQL for print targets: the input a generation request names one with, and the presets
 * (`printPresets`). The print file of an image is `GeneratedImage.printFile` (declared with the
 * type in `generations/graphql.ts`; its `PrintFile` type in `generations/graphql-print.ts`).
 */
import { builder } from '../graphql/builder.ts';
import { PRINT_PRESETS, type PrintPreset } from './presets.ts';
import { MAX_DPI, MAX_PRINT_MEGAPIXELS, MAX_SIDE_INCHES, MIN_DPI, MIN_SIDE_INCHES } from './target.ts';

export const PrintTargetInput = builder.inputType('PrintTargetInput', {
  description:
    `A print file to make of each image: a \`preset\` (see \`printPresets\`), or \`widthInches\`, \`heightInches\` ` +
    `and \`dpi\` (${MIN_DPI}–${MAX_DPI}; sides ${MIN_SIDE_INCHES}–${MAX_SIDE_INCHES} in; at most ` +
    `${MAX_PRINT_MEGAPIXELS} MP). Each image is upscaled (billed per second, held up front) and made into a PNG ` +
    'of exactly those pixels with the DPI in its pHYs chunk; the original stays available.',
  fields: (t) => ({
    preset: t.string({ required: false, description: 'A preset id, e.g. "poster-18x24".' }),
    widthInches: t.float({ required: false }),
    heightInches: t.float({ required: false }),
    dpi: t.int({ required: false }),
  }),
});

const PrintPresetRef = builder.objectRef<PrintPreset>('PrintPreset').implement({
  description: 'A print file a print-on-demand product asks for, with where its figures come from.',
  fields: (t) => ({
    id: t.exposeString('id'),
    name: t.exposeString('name'),
    widthInches: t.exposeFloat('widthInches'),
    heightInches: t.exposeFloat('heightInches'),
    dpi: t.exposeInt('dpi'),
    width: t.int({ description: 'Pixels across.', resolve: (preset) => Math.round(preset.widthInches * preset.dpi) }),
    height: t.int({ description: 'Pixels down.', resolve: (preset) => Math.round(preset.heightInches * preset.dpi) }),
    source: t.exposeString('source'),
  }),
});

builder.queryField('printPresets', (t) =>
  t.field({
    type: [PrintPresetRef],
    description: 'The named print targets `input.print.preset` accepts.',
    complexity: { multiplier: 1 },
    resolve: () => [...PRINT_PRESETS],
  }),
);
