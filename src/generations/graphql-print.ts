/** The print file made of an image (`input.print`), served like the image: `GeneratedImage.printFile`'s type. */
import { builder } from '../graphql/builder.ts';
import type { ImageRow } from '../db/types.ts';

interface PrintFileView {
  readonly image: ImageRow;
  readonly storageKey: string;
  readonly width: number;
  readonly height: number;
  readonly dpi: number;
  readonly bytes: number;
}

export const PrintFileRef = builder.objectRef<PrintFileView>('PrintFile').implement({
  description: 'A PNG of exactly the print target’s pixels, in sRGB, with its DPI in the pHYs chunk.',
  fields: (t) => ({
    url: t.string({
      description: 'Where pixelgate serves the file (like every stored image).',
      resolve: (file, _args, context) => context.services.generations.imageUrl(file.storageKey),
    }),
    width: t.exposeInt('width'),
    height: t.exposeInt('height'),
    dpi: t.exposeInt('dpi'),
    bytes: t.exposeInt('bytes'),
    fileName: t.string({
      description: 'A download name that says its size, e.g. "print-3600x4800-300dpi-1a2b3c4d-0.png".',
      resolve: (file) =>
        `print-${file.width}x${file.height}-${file.dpi}dpi-${file.image.generation_id.slice(0, 8)}-${file.image.position}.png`,
    }),
  }),
});

/** The image's print file; null without one or until it is made. */
export function printFileOf(image: ImageRow): PrintFileView | null {
  return image.print_storage_key === null
    ? null
    : {
        image,
        storageKey: image.print_storage_key,
        width: image.print_width!,
        height: image.print_height!,
        dpi: image.print_dpi!,
        bytes: image.print_bytes!,
      };
}
