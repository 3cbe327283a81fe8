/** Tracked phases, strictly in this order (§6.7). */
export const TRACKED_PHASES = [
  'mobile_connected',
  'mrz_scanning',
  'mrz_complete',
  'nfc_reading',
  'nfc_complete',
  'selfie_capturing',
  'selfie_complete',
] as const;
export type TrackedPhase = (typeof TRACKED_PHASES)[number];

export const phaseIndex = (phase: string | null | undefined): number =>
  phase ? (TRACKED_PHASES as readonly string[]).indexOf(phase) : -1;

export const isTrackedPhase = (phase: string): phase is TrackedPhase => phaseIndex(phase) >= 0;

/** A resumed attempt restarts after the MRZ: chip data and selfies are sent again (§6.6). */
export function resumePhase(persisted: string | null): string | null {
  return phaseIndex(persisted) > phaseIndex('mrz_complete') ? 'mrz_complete' : persisted;
}
