// A resumable statement upload (tus, through tus-js-client loaded as /static/vendor/tus.min.js).
// tus-js-client keeps each upload's address in localStorage under the file's fingerprint, so
// choosing the same file again after a reload or a dropped connection resumes at the offset.
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10000, 20000];
const CHUNK_BYTES = 8 * 1024 * 1024;

export class StatementUpload {
  constructor(statementId, file, { onProgress, onSuccess, onError }) {
    this.upload = new window.tus.Upload(file, {
      endpoint: "/api/uploads/",
      metadata: { statement: String(statementId), filename: file.name },
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS_MS,
      removeFingerprintOnSuccess: true,
      // The statement is part of the fingerprint: the same file for another slot is another upload.
      fingerprint: async (chosen) =>
        ["presession", statementId, chosen.name, chosen.size, chosen.lastModified].join("-"),
      onProgress: (sent, total) => onProgress(sent, total),
      onSuccess: () => onSuccess(),
      onError: (error) => onError(error),
    });
    this.paused = false;
  }

  async start() {
    const previous = await this.upload.findPreviousUploads();
    if (previous.length) this.upload.resumeFromPreviousUpload(previous[0]);
    this.upload.start();
  }

  pause() {
    this.paused = true;
    return this.upload.abort();
  }

  resume() {
    this.paused = false;
    this.upload.start();
  }
}

/** The server's error (`{code, message}`) from a failed tus request, when it sent one. */
export function uploadRefusal(error) {
  const body = error?.originalResponse?.getBody?.();
  try {
    return JSON.parse(body).error ?? null;
  } catch {
    return null;
  }
}
