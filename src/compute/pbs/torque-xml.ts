// Reads Torque's `qstat -f -x` XML: `<Data><Job><Job_Id>..</Job_Id><Resource_List><walltime>..`
// into one flat attribute map per job (`Resource_List.walltime`), the shape the text and JSON
// readers produce too. Torque writes plain elements and text with the five XML entities, no
// attributes that matter, no CDATA, no namespaces: this reads exactly that (an XML library would be
// a dependency for 60 lines) and says where it stopped on anything else.

export type AttributeMap = Map<string, string>;

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

/** The jobs of a `<Data>` document, each flattened; throws on text that is not such XML. */
export function readTorqueXml(xml: string): AttributeMap[] {
  const jobs: AttributeMap[] = [];
  const path: string[] = [];
  const parents: boolean[] = []; // per open element: it has child elements (a group, not a value)
  let job: AttributeMap | null = null;
  let text = '';
  const tag = /<(\/?)([A-Za-z_][\w.-]*)[^>]*?(\/?)>|<\?[^>]*\?>|<!--[\s\S]*?-->/g;
  let last = 0;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    text += xml.slice(last, m.index);
    last = tag.lastIndex;
    const [, closing, name, selfClosing] = m;
    if (name === undefined) continue; // declaration or comment
    if (!closing) {
      if (name === 'Job' && path.length <= 1) job = new Map();
      if (parents.length) parents[parents.length - 1] = true;
      path.push(name);
      parents.push(false);
      text = '';
      if (!selfClosing) continue;
    }
    if (path[path.length - 1] !== name)
      throw new Error(`unexpected </${name}> at offset ${m.index} (open: ${path.join('/') || 'none'})`);
    path.pop();
    const isGroup = parents.pop();
    const jobDepth = path.indexOf('Job');
    if (name === 'Job' && jobDepth === -1 && job) {
      jobs.push(job);
      job = null;
    } else if (job && jobDepth !== -1 && !isGroup) {
      job.set([...path.slice(jobDepth + 1), name].join('.'), decode(text.trim()));
    }
    text = '';
  }
  if (path.length) throw new Error(`the XML ends inside <${path.join('/')}>`);
  if (xml.slice(last).trim() !== '') throw new Error('text after the last element');
  return jobs;
}
