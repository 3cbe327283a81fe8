import type { FaceMatchResult } from '../face-match-reply.js';

export interface MatchJob {
  id: number;
  portrait: Uint8Array;
  selfies: Uint8Array[];
  threshold: number;
}

export type WorkerReply =
  | { id: number; kind: 'loaded'; ms: number }
  | { id: number; kind: 'result'; result: FaceMatchResult; problems: string[]; ms: number }
  | { id: number; kind: 'unavailable'; message: string };
