export default function Home() {
  return <main className="p-6"><h1 className="text-xl font-semibold">Worker Watchdog</h1></main>;
}
