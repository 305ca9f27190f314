export * from './job-story';
export * from './list-jobs';
