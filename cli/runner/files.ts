import fs from 'node:fs';
import path from 'node:path';

let counter = 0;

/** Writes a file so that readers see the old content or the whole new one: temp file, fsync, rename, fsync the folder. */
export function writeFileAtomic(file: string, data: string, tmpDir = path.dirname(file)): void {
  fs.mkdirSync(tmpDir, { recursive: true });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(tmpDir, `.${path.basename(file)}.${process.pid}.${++counter}.tmp`);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* some file systems refuse fsync on a directory; the rename is still atomic */
  }
}

export function readJsonFile<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}
