import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeImage, encodeGreyJpeg2000, encodeJpeg, encodePng, type RgbImage } from '../engine/images.js';
import { adjust, crop, greyscale, mirror, warp } from './transforms.js';

/**
 * The labelled evaluation set (§6.8a), built at run time from pictures an installed package
 * ships (never committed: their licences do not allow it). The source is the face-match demo
 * screenshot of @vladmandic/human: a grid of 6x18 face thumbnails cut from its sample photos,
 * the first row sorted by similarity to one man. Labels were set by looking at the grid:
 * - person A: ten thumbnails of the same man from different photos (real same-person pairs);
 * - every other thumbnail counts as its own person. A few of them may show the same person
 *   twice (the samples repeat some people); the pairs that look alike are left out of the
 *   impostor pairs, and any duplicate left can only make the false-accept rate look worse.
 */

export const FACE_SOURCE = { package: '@vladmandic/human', file: 'assets/screenshot-facematch.jpg' } as const;

const GRID_COLUMNS = 18;
const GRID_WIDTH = 1920;
/** Top edge of each thumbnail row (the dark gaps between rows, measured on the picture). */
const ROW_TOPS = [283, 395, 508, 620, 732, 845];
/** Thumbnail size without the caption strip printed along its bottom edge. */
const TILE = { width: 104, height: 92 };

const PERSON_A = ['0.0', '0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.10'];
/** Left out: face paint (0.9) and thumbnails that may or may not be person A. */
const UNLABELLED = new Set(['0.9', '0.11', '0.12', '0.13', '0.14', '0.15', '0.16', '0.17', '1.0', '1.1', '1.2', '1.3', '1.4', '1.5']);
/** Pairs of thumbnails that look like one person: never used as impostor pairs. */
export const LOOK_ALIKE_PAIRS: ReadonlyArray<[string, string]> = [
  ['4.0', '5.3'],
  ['3.17', '4.5'],
  ['2.5', '2.6'],
  ['3.2', '5.7'],
  ['5.8', '5.13'],
  ['2.1', '4.16'],
  ['1.17', '4.2'],
];

export interface FaceTile {
  /** "row.column" in the grid. */
  id: string;
  /** Who it shows: "person-a", or the tile id for everyone else. */
  identity: string;
  image: RgbImage;
}

export function sourcePath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve(FACE_SOURCE.package)), '..', FACE_SOURCE.file);
}

/** Every labelled thumbnail of the grid. */
export async function loadFaceTiles(): Promise<FaceTile[]> {
  const sheet = await decodeImage(await readFile(sourcePath()));
  const tiles: FaceTile[] = [];
  ROW_TOPS.forEach((top, row) => {
    for (let column = 0; column < GRID_COLUMNS; column++) {
      const id = `${row}.${column}`;
      if (UNLABELLED.has(id)) continue;
      const image = crop(sheet, Math.round((column * GRID_WIDTH) / GRID_COLUMNS) + 1, top, TILE.width, TILE.height);
      tiles.push({ id, identity: PERSON_A.includes(id) ? 'person-a' : id, image });
    }
  });
  return tiles;
}

export function isLookAlike(a: string, b: string): boolean {
  return LOOK_ALIKE_PAIRS.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
}

/**
 * A DG2-style portrait: the face centred on a light background, 240x320, greyscale, as a JPEG
 * of quality 30 or a JPEG 2000 codestream.
 */
export async function passportPortrait(face: RgbImage, format: 'jpeg' | 'jpeg2000'): Promise<Uint8Array> {
  const portrait = greyscale(warp(face, 240, 320, { scale: 0.9, background: [225, 225, 220] }));
  return format === 'jpeg' ? encodeJpeg(portrait, 30) : encodeGreyJpeg2000(portrait, 25);
}

/**
 * Three selfie-style pictures of a face: mirrored and brighter, tilted and flatter, smaller in
 * the frame and noisy. The thumbnails are small, so the selfies are too (a few hundred pixels).
 */
export function selfieVariants(face: RgbImage): Uint8Array[] {
  return [
    encodeJpeg(adjust(mirror(warp(face, 320, 320, { background: [90, 110, 130] })), { brightness: 20, contrast: 1.05 }), 85),
    encodePng(adjust(warp(face, 300, 360, { degrees: 8, background: [60, 60, 60] }), { contrast: 0.85, brightness: -10 })),
    encodeJpeg(adjust(warp(face, 360, 420, { scale: 0.8, degrees: -5, background: [170, 160, 140] }), { noise: 12, seed: face.data.length }), 70),
  ];
}
