import { loadFaceTiles, passportPortrait, selfieVariants } from './labelled-set.js';

/**
 * Real faces for demos and e2e specs, made from the labelled set (pictures shipped in
 * node_modules; written at run time, never committed): person A's passport-style portrait,
 * selfies of him from three other photos, selfies of someone else, and one selfie three times.
 */
export interface DemoFaces {
  /** 240x320 greyscale JPEG 2000 codestream, as on many chips. */
  portraitJp2: Uint8Array;
  /** The same portrait as a JPEG of quality 30. */
  portraitJpeg: Uint8Array;
  sameSelfies: Uint8Array[];
  otherSelfies: Uint8Array[];
  identicalSelfies: Uint8Array[];
}

/** Someone who is not person A (a thumbnail in another row of the grid). */
const SOMEONE_ELSE = '3.0';

export async function demoFaces(): Promise<DemoFaces> {
  const tiles = await loadFaceTiles();
  const personA = tiles.filter((tile) => tile.identity === 'person-a');
  const someoneElse = tiles.find((tile) => tile.id === SOMEONE_ELSE)!;
  const selfie = (index: number, variant: number) => selfieVariants(personA[index].image)[variant];
  const same = [selfie(1, 0), selfie(2, 1), selfie(4, 2)];
  return {
    portraitJp2: await passportPortrait(personA[0].image, 'jpeg2000'),
    portraitJpeg: await passportPortrait(personA[0].image, 'jpeg'),
    sameSelfies: same,
    otherSelfies: selfieVariants(someoneElse.image),
    identicalSelfies: [same[0], same[0], same[0]],
  };
}

/** File name of the i-th selfie (1-based), with the extension its bytes call for. */
export function selfieFileName(bytes: Uint8Array, i: number): string {
  return `selfie-${i + 1}.${bytes[0] === 0x89 ? 'png' : 'jpg'}`;
}
