import { describe, expect, it } from 'vitest';
import { HostHealth } from '../../../src/compute/remote-host/host-health.js';

// When a run with tasks left and nothing running stops because its host cannot take them: a host
// that never answered, or refused, at once; one that was up and dropped (its agent's session ended)
// only once `lost_after` has passed without it answering again.

describe('HostHealth.givenUp', () => {
  it('a host down before it ever answered is given up at once; a refused one too', () => {
    const h = new HostHealth('node1', 60_000);
    h.down('connection refused', 'fix it', 1000);
    expect(h.givenUp(1000)).toBe(true);
    const r = new HostHealth('node2', 60_000);
    r.refuse('disk full', 'free space', 1000);
    expect(r.givenUp(1000)).toBe(true);
  });

  it('a host that was up and dropped is given up only after lost_after without word', () => {
    const h = new HostHealth('node1', 60_000);
    h.up();
    h.down('the ssh session of the task agent ended', 'fix it', 1000);
    expect(h.givenUp(1000)).toBe(false);
    expect(h.givenUp(60_999)).toBe(false);
    expect(h.givenUp(61_000)).toBe(true);
    h.up(); // answered again: a later drop starts counting anew
    h.down('again', 'fix it', 100_000);
    expect(h.givenUp(100_500)).toBe(false);
  });
});
