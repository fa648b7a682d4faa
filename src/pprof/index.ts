/**
 * The profile model (model.ts): build a profile, encode it (gzip) and decode any pprof, and map
 * generated JavaScript positions back to the TypeScript a person wrote.
 *
 *   const builder = new ProfileBuilder({ sampleTypes: [{ type: 'samples', unit: 'count' }] });
 *   builder.addSample([{ name: 'leaf', file: '/app/x.ts', line: 3 }, { name: 'main', file: '/app/x.ts', line: 9 }], [1]);
 *   writeProfile('out.pb.gz', builder.build());
 *   const profile = decodeProfile(readFileSync('out.pb.gz'));
 */
export { ProfileBuilder, type Frame, type LabelValue, type ProfileHeader, type ValueTypeSpec } from './builder.ts';
export { MAX_PROFILE_BYTES, ProfileFormatError, decodeProfile, encodeProfile, textBytes, unpacked, writeFileAtomic, writeProfile } from './codec.ts';
export {
  emptyMapping,
  emptyProfile,
  labelNumbers,
  labelTexts,
  sampleTypeIndex,
  type Label,
  type Line,
  type Location,
  type Mapping,
  type Profile,
  type ProfileFunction,
  type Sample,
  type ValueType,
} from './model.ts';
export { SourceMapper, displayPath, type SourcePosition } from './sourcemap.ts';
