/**
 * `node dist/bench/profile-summary.js <file.cpuprofile> [top]`: where a --cpu-prof profile of Postroom spends
 * its time. Self time by package (node_modules/<name>, node: internals, or our dist/src file), then the
 * functions with the most self time, then our own functions by inclusive time (each sample counted once per
 * function on its stack), so per-request work of ours stands out from the libraries under it.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function owner(url: string): string {
  if (url === '') return '(native/idle)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const ours = /\/(src|migrations|bench|test)\/(.+)$/.exec(url);
  return ours ? `ours: ${ours[1]}/${ours[2]}` : url;
}

function frameKey(frame: CallFrame): string {
  return `${frame.functionName || '(anonymous)'} ${owner(frame.url).replace(/^ours: /, '')}:${frame.lineNumber + 1}`;
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [top]');
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfByOwner = new Map<string, number>();
  const selfByFrame = new Map<string, number>();
  const inclusiveOurs = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id)!;
    const name = node.callFrame.functionName;
    if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') {
      if (name === '(idle)') {
        idle += dt;
        return;
      }
    }
    total += dt;
    const o = name === '(garbage collector)' ? '(garbage collector)' : owner(node.callFrame.url);
    selfByOwner.set(o, (selfByOwner.get(o) ?? 0) + dt);
    selfByFrame.set(frameKey(node.callFrame), (selfByFrame.get(frameKey(node.callFrame)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      if (!owner(frame.url).startsWith('ours: src')) continue;
      const key = frameKey(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusiveOurs.set(key, (inclusiveOurs.get(key) ?? 0) + dt);
    }
  });
  const pct = (v: number): string => `${((100 * v) / total).toFixed(1).padStart(5)}%`;
  const print = (title: string, map: Map<string, number>): void => {
    console.log(`\n${title}`);
    for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(v)}  ${k}`);
  };
  console.log(`${file}: busy ${(total / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s`);
  print('self time by owner', selfByOwner);
  print('self time by function', selfByFrame);
  print('our functions, inclusive time', inclusiveOurs);
}

main();
