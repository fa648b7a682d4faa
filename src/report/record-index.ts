/**
 * A record's position in a list of records (locations, functions, mappings), found by its id in
 * an array: a Map keyed by the objects costs several times as much per lookup on a large profile,
 * and reports look up every frame of every sample. Ids are nearly always small and unique; a
 * record whose id is large, shared, or that is not in the list is looked up by identity instead,
 * so the answer is the same whatever the ids are. -1: not in the list.
 */
export function positionFinder<T extends { readonly id: number }>(records: readonly T[]): (record: T) => number {
  let maxId = 0;
  for (const record of records) if (Number.isSafeInteger(record.id) && record.id > maxId) maxId = record.id;
  const dense = maxId <= 4 * records.length + 1024;
  const byId: (T | undefined)[] = dense ? new Array(maxId + 1).fill(undefined) : [];
  const positionById = new Int32Array(dense ? maxId + 1 : 0);
  const others = new Map<T, number>();
  records.forEach((record, position) => {
    const { id } = record;
    if (dense && Number.isSafeInteger(id) && id >= 0 && byId[id] === undefined) {
      byId[id] = record;
      positionById[id] = position;
    } else if (!others.has(record) && byId[id] !== record) others.set(record, position);
  });
  return (record) => {
    const { id } = record;
    if (byId[id] === record) return positionById[id]!;
    return others.get(record) ?? -1;
  };
}
