import { describe, expect, it } from 'vitest';
import { composeOf, dockerHost, eventsPath, parseContainerList, parseEngineEvent, parseInspect } from '../../src/containers/engine.js';
import { matchOomEvent, containerOfPath } from '../../src/containers/kills.js';

/** The Engine's answers, recorded from Docker 20.10 (docker.io on Debian 12) here; the real-Engine tests run the same code live. */
const ID = 'e77c571e20ad720786f519f9761d319523c4f47a0e9eeae6406bf8ae5172ef56';
const OOM = `{"status":"oom","id":"${ID}","from":"oomtop-test","Type":"container","Action":"oom","Actor":{"ID":"${ID}","Attributes":{"image":"oomtop-test","name":"t1"}},"scope":"local","time":1796158967,"timeNano":1796158967343399096}`;
const DIE = `{"status":"die","id":"${ID}","from":"oomtop-test","Type":"container","Action":"die","Actor":{"ID":"${ID}","Attributes":{"exitCode":"137","image":"oomtop-test","name":"t1"}},"scope":"local","time":1796158967,"timeNano":1796158967377454682}`;
const IMAGE = `{"status":"tag","id":"sha256:8779","Type":"image","Action":"tag","Actor":{"ID":"sha256:8779","Attributes":{"name":"oomtop-test"}},"scope":"local","time":1796158966,"timeNano":1796158966956201768}`;

describe('Engine API parsers', () => {
  it('reads container events: action, id, name, image, time and exit code', () => {
    expect(parseEngineEvent(OOM)).toEqual({ action: 'oom', id: ID, name: 't1', image: 'oomtop-test', compose: null, timeMs: 1796158967343, exitCode: null });
    expect(parseEngineEvent(DIE)?.exitCode).toBe(137);
    expect(parseEngineEvent(DIE.replace('"exitCode":"137"', '"exitCode":"x1"'))?.exitCode).toBeNull();
  });
  it('ignores image events, broken lines and events without id or action', () => {
    expect(parseEngineEvent(IMAGE)).toBeNull();
    expect(parseEngineEvent('{"Type":"container"')).toBeNull();
    expect(parseEngineEvent('[]')).toBeNull();
    expect(parseEngineEvent('{"Type":"container","Action":"start"}')).toBeNull();
  });
  it('keeps the verb of "exec_start: sh -c …" and "health_status: healthy"', () => {
    expect(parseEngineEvent(OOM.replace('"Action":"oom"', '"Action":"health_status: healthy"'))?.action).toBe('health_status');
  });
  it('Compose labels; a service without a project is not Compose', () => {
    expect(composeOf({ 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' })).toEqual({ project: 'shop', service: 'web' });
    expect(composeOf({ 'com.docker.compose.service': 'web' })).toBeNull();
    expect(composeOf(null)).toBeNull();
  });
  it('the container list and inspect: names without their slash; a zero time is null; no Id is an error', () => {
    expect(parseContainerList(`[{"Id":"${ID}","Names":["/web-1"],"Image":"nginx","Labels":{}},{"Names":["/x"]}]`)).toEqual([{ id: ID, name: 'web-1', image: 'nginx', compose: null }]);
    const st = parseInspect(`{"Id":"${ID}","Name":"/web-1","Config":{"Image":"nginx","Labels":null},"State":{"Running":false,"Pid":0,"OOMKilled":true,"ExitCode":137,"StartedAt":"2026-12-01T21:00:00Z","FinishedAt":"0001-01-01T00:00:00Z"}}`);
    expect(st).toMatchObject({ name: 'web-1', running: false, pid: null, oomKilled: true, exitCode: 137, finishedAt: null });
    expect(() => parseInspect('{"Name":"/x"}')).toThrow(/without Id/);
  });
  it('DOCKER_HOST: unix sockets only; others refused with the reason', () => {
    expect(dockerHost({ DOCKER_HOST: 'unix:///run/podman/podman.sock' })).toEqual({ socket: '/run/podman/podman.sock' });
    expect(dockerHost({ DOCKER_HOST: '  ' })).toEqual({ socket: '/var/run/docker.sock' });
    expect(dockerHost({ DOCKER_HOST: 'ssh://me@host' }).error).toMatch(/DOCKER_HOST=ssh:\/\/me@host is not a unix socket/);
    expect(dockerHost({ DOCKER_HOST: 'unix://relative' }).error).toBeDefined();
  });
  it('the events filter asks for container events of the followed actions only', () => {
    const q = new URLSearchParams(eventsPath({ since: 5 }).split('?')[1]);
    expect(JSON.parse(q.get('filters')!)).toEqual({ type: ['container'], event: ['create', 'start', 'restart', 'rename', 'die', 'oom', 'destroy'] });
    expect(q.get('since')).toBe('5');
  });
});

describe("a kill's container", () => {
  it('from the memcg path: docker and podman containers, not systemd units', () => {
    expect(containerOfPath(`/docker/${ID}`)).toMatchObject({ runtime: 'docker', id: ID });
    expect(containerOfPath(`/libpod_parent/libpod-${ID}`)).toMatchObject({ runtime: 'podman', id: ID });
    expect(containerOfPath('/system.slice/nginx.service')).toBeNull();
    expect(containerOfPath('/oomtop-test-1')).toBeNull();
    expect(containerOfPath(null)).toBeNull();
  });
  it("the Engine's oom event nearest the kill, within a minute", () => {
    const ev = parseEngineEvent(OOM)!;
    expect(matchOomEvent([ev], ID, ev.timeMs + 900)).toBe(ev);
    expect(matchOomEvent([ev], ID, ev.timeMs + 61_000)).toBeNull();
    expect(matchOomEvent([ev], 'other', ev.timeMs)).toBeNull();
    expect(matchOomEvent([ev, { ...ev, timeMs: ev.timeMs + 5000 }], ID, ev.timeMs + 4000)!.timeMs).toBe(ev.timeMs + 5000);
  });
});
