// Reads an iCalendar document on stdin and prints its VEVENTs as JSON, the way ical.js
// (the parser used by many web calendar clients) understands them.
//
// Every VTIMEZONE in the document is registered with ICAL.TimezoneService first, so a TZID
// resolves only if the document defines it: a TZID without a VTIMEZONE comes out with
// tzid "floating", which is what the tests look for.
import ICAL from "ical.js";

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

// ISO instant from the Unix time, not from toJSDate(): toJSDate() reads floating times
// in the process's local zone, which would hide a missing VTIMEZONE on a UTC machine.
function instant(time) {
  return new Date(time.toUnixTime() * 1000).toISOString();
}

const text = await readStdin();
const calendar = new ICAL.Component(ICAL.parse(text));

for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
}

const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    location: event.location,
    status: vevent.getFirstPropertyValue("status"),
    sequence: event.sequence,
    start_utc: instant(event.startDate),
    end_utc: instant(event.endDate),
    tzid: event.startDate.zone.tzid,
    end_tzid: event.endDate.zone.tzid,
    utc_offset_seconds: event.startDate.utcOffset(),
    method: calendar.getFirstPropertyValue("method"),
    organizer: vevent.getFirstPropertyValue("organizer"),
    attendees: vevent.getAllProperties("attendee").map((p) => ({
      address: p.getFirstValue(),
      cn: p.getParameter("cn") ?? null,
      partstat: p.getParameter("partstat") ?? null,
      rsvp: p.getParameter("rsvp") ?? null,
    })),
  };
});

process.stdout.write(JSON.stringify(events));
