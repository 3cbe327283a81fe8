import type { FaceMatchResult } from '../face-match-reply.js';
import { decideFaceMatch, IDENTICAL_SELFIES, selfiesAreSameBytes } from './decision.js';
import type { FaceModel } from './face-model.js';
import { decodeImage, ImageDecodeError } from './images.js';

export interface FaceMatchOutcome {
  result: FaceMatchResult;
  /** Why an image was refused (for the server log): "selfie_1: no face found". */
  problems: string[];
}

/**
 * §6.8a: decode the portrait and the selfies, embed the largest face of each, decide. An image
 * that cannot be decoded or holds no face fails the match (not the matcher).
 */
export async function matchFaces(model: FaceModel, portrait: Uint8Array, selfies: Uint8Array[], threshold: number): Promise<FaceMatchOutcome> {
  if (selfiesAreSameBytes(selfies)) return { result: { ...IDENTICAL_SELFIES }, problems: [] };
  const images = [{ name: 'dg2', bytes: portrait }, ...selfies.map((bytes, i) => ({ name: `selfie_${i}`, bytes }))];
  const embeddings: number[][] = [];
  const problems: string[] = [];
  for (const { name, bytes } of images) {
    try {
      const embedding = await model.embed(await decodeImage(bytes));
      if (embedding) embeddings.push(embedding);
      else problems.push(`${name}: no face found`);
    } catch (error) {
      if (!(error instanceof ImageDecodeError)) throw error;
      problems.push(`${name}: ${error.message}`);
    }
  }
  if (problems.length > 0) {
    const reason = problems[0].includes('no face') ? 'no_face_found' : 'image_unreadable';
    return { result: { faceScore: null, passed: false, usedFallback: false, reason }, problems };
  }
  const [portraitEmbedding, ...selfieEmbeddings] = embeddings;
  return { result: decideFaceMatch(portraitEmbedding, selfieEmbeddings, threshold), problems };
}
