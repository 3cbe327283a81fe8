import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoFaces, selfieFileName, type DemoFaces } from '../../dist/src/face-match/evaluation/demo-faces.js';

/** Real faces made at test time from pictures in node_modules (see demo-faces.ts). */
export type RealFaces = DemoFaces;
export const realFaces = demoFaces;

/** Writes three selfies into a new folder (what `verify run --selfies` reads). */
export function writeSelfies(dir: string, selfies: Uint8Array[]): string {
  mkdirSync(dir, { recursive: true });
  selfies.forEach((bytes, i) => writeFileSync(join(dir, selfieFileName(bytes, i)), bytes));
  return dir;
}
