import type { Profile } from 'pprof-format';

// V8's sample type names as Go's pprof (and so Pyroscope) names them.
const goNames: Record<string, string> = { objects: 'inuse_objects', sample: 'samples', space: 'inuse_space' };

/**
 * Names a wall profile as @pyroscope/nodejs names the ones it uploads (utils/process-profile.js, which the
 * package does not export): Go's sample type names, and each function as `path:name:line` with the path
 * relative to the working directory, so that the flame graph reads the same as before span profiles.
 */
export function asPyroscopeNames(profile: Profile): Profile {
  const strings = profile.stringTable;
  const text = (index: number | bigint) => strings.strings[Number(index)] ?? '';
  for (const valueType of profile.sampleType) {
    if (goNames[text(valueType.type)]) valueType.type = strings.dedup(goNames[text(valueType.type)]);
    if (goNames[text(valueType.unit)]) valueType.unit = strings.dedup(goNames[text(valueType.unit)]);
  }
  const cwd = process.cwd();
  for (const location of profile.location) {
    for (const line of location.line) {
      const fn = profile.function[Number(line.functionId) - 1];
      const name = fn && text(fn.name);
      if (!fn || (name.includes(':') && !name.startsWith('(anonymous'))) continue;
      fn.name = strings.dedup(`${text(fn.filename).replace(cwd, '.')}:${name}:${line.line}`);
    }
  }
  return profile;
}
