import type { RgbImage } from '../engine/images.js';

/** Small image operations to derive portraits and selfies from a face picture (evaluation only). */

export function crop(image: RgbImage, x0: number, y0: number, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((y0 + y) * image.width + x0) * 3;
    data.set(image.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data };
}

function sample(image: RgbImage, x: number, y: number, channel: number): number {
  const cx = Math.min(image.width - 1, Math.max(0, x));
  const cy = Math.min(image.height - 1, Math.max(0, y));
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(image.width - 1, x0 + 1);
  const y1 = Math.min(image.height - 1, y0 + 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const at = (px: number, py: number) => image.data[(py * image.width + px) * 3 + channel];
  return (at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) + (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy;
}

export interface WarpOptions {
  degrees?: number;
  /** Extra zoom after fitting. */
  scale?: number;
  /** Fit the whole source inside the output (`contain`, default) or fill it (`cover`). */
  fit?: 'contain' | 'cover';
  /** Colour outside the source; edges are repeated when absent. */
  background?: [number, number, number];
}

/**
 * Maps every output pixel back into the source: a rotation by `degrees` and a zoom by `scale`
 * about the centre, to an output of `width`x`height` (bilinear).
 */
export function warp(image: RgbImage, width: number, height: number, options: WarpOptions = {}): RgbImage {
  const angle = ((options.degrees ?? 0) * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const ratios = [width / image.width, height / image.height];
  const fit = (options.fit === 'cover' ? Math.max(...ratios) : Math.min(...ratios)) * (options.scale ?? 1);
  const { background } = options;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = (x - width / 2) / fit;
      const dy = (y - height / 2) / fit;
      const sx = cos * dx + sin * dy + image.width / 2;
      const sy = -sin * dx + cos * dy + image.height / 2;
      const outside = sx < 0 || sy < 0 || sx > image.width - 1 || sy > image.height - 1;
      for (let c = 0; c < 3; c++) {
        data[(y * width + x) * 3 + c] = background && outside ? background[c] : Math.round(sample(image, sx, sy, c));
      }
    }
  }
  return { width, height, data };
}

export function greyscale(image: RgbImage): RgbImage {
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < image.width * image.height; i++) {
    const luma = Math.round(0.299 * image.data[i * 3] + 0.587 * image.data[i * 3 + 1] + 0.114 * image.data[i * 3 + 2]);
    data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = luma;
  }
  return { ...image, data };
}

export function mirror(image: RgbImage): RgbImage {
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const from = (y * image.width + (image.width - 1 - x)) * 3;
      data.set(image.data.subarray(from, from + 3), (y * image.width + x) * 3);
    }
  }
  return { ...image, data };
}

/** out = (in - 128) * contrast + 128 + brightness, plus deterministic noise of amplitude `noise`. */
export function adjust(image: RgbImage, options: { brightness?: number; contrast?: number; noise?: number; seed?: number }): RgbImage {
  const { brightness = 0, contrast = 1, noise = 0 } = options;
  let state = (options.seed ?? 1) >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i++) {
    const jitter = noise ? (random() - 0.5) * 2 * noise : 0;
    data[i] = Math.min(255, Math.max(0, Math.round((image.data[i] - 128) * contrast + 128 + brightness + jitter)));
  }
  return { ...image, data };
}
