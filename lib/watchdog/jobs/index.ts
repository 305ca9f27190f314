export * from './job-story';
