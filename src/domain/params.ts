// Parameter values keep their YAML types: a task's params are an ordered mapping of dotted keys
// to scalars (or lists/mappings when a sweep value is itself a list or mapping).
export type ParamScalar = string | number | boolean | null;
export type ParamValue = ParamScalar | ParamValue[] | { [key: string]: ParamValue };
/** Insertion order is generation order (first grid key first). */
export type Params = Record<string, ParamValue>;
