/** What `npm run profile` asks of the preload in the profiled program, passed in one variable. */
export const PROFILE_REQUEST_ENV = 'NODE_PROFILING_WORKSHOP_PROFILE';

export type ProfileKind = 'cpu' | 'wall' | 'heap' | 'allocs';

export interface ProfileRequest {
  kind: ProfileKind;
  /** Absolute path: the program may change its working directory. */
  output: string;
  /** pprof (gzipped protobuf) or folded stacks (text for flame graph tools). */
  format: 'pprof' | 'folded';
  hz?: number;
  intervalBytes?: number;
}
