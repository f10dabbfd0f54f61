import { expect } from "chai";

import { parseValidity } from "../../../../server/src/domain/documents/validity.js";

const at = (iso: string) => Date.parse(iso) / 1000;

/** A validity period as a clerk types it: whole days in Europe/Berlin, or instants with an offset. */
describe("parseValidity", function () {
  it("reads a date as that whole day in Europe/Berlin: winter (UTC+1) and summer (UTC+2)", function () {
    expect(parseValidity({ validFrom: "2026-01-15", validUntil: "2026-01-15" })).to.deep.equal({ validFrom: at("2026-01-14T23:00:00Z"), validUntil: at("2026-01-15T22:59:59Z") });
    expect(parseValidity({ validFrom: "2026-07-01", validUntil: "2026-07-31" })).to.deep.equal({ validFrom: at("2026-06-30T22:00:00Z"), validUntil: at("2026-07-31T21:59:59Z") });
  });

  it("gets the days the clocks change right: 23 hours on 29 March 2026, 25 hours on 25 October 2026", function () {
    const spring = parseValidity({ validFrom: "2026-03-29", validUntil: "2026-03-29" });
    expect(spring.validUntil - spring.validFrom + 1).to.equal(23 * 3600);
    const autumn = parseValidity({ validFrom: "2026-10-25", validUntil: "2026-10-25" });
    expect(autumn.validUntil - autumn.validFrom + 1).to.equal(25 * 3600);
  });

  it("takes a date-time with an offset or Z as that instant", function () {
    expect(parseValidity({ validFrom: "2026-12-01T08:30:00+01:00", validUntil: "2026-12-31T23:00Z" })).to.deep.equal({ validFrom: at("2026-12-01T07:30:00Z"), validUntil: at("2026-12-31T23:00:00Z") });
  });

  it("leaves an end unbounded (0) when it is absent or empty", function () {
    expect(parseValidity({})).to.deep.equal({ validFrom: 0, validUntil: 0 });
    expect(parseValidity({ validFrom: " ", validUntil: "2026-12-31" })).to.deep.equal({ validFrom: 0, validUntil: at("2026-12-31T22:59:59Z") });
  });

  for (const [what, input, message] of [
    ["a date-time without an offset (its instant would depend on the server's zone)", { validUntil: "2026-12-31T18:00:00" }, /validUntil: "2026-12-31T18:00:00" is not an ISO 8601 date/],
    ["a German date", { validFrom: "31.12.2026" }, /validFrom: "31.12.2026" is not an ISO 8601 date/],
    ["a day that is not in the calendar", { validUntil: "2026-02-30" }, /validUntil: "2026-02-30" is not a date in the calendar/],
    ["a date before 1970", { validFrom: "1969-12-31" }, /lies before 1970 or after 9999/],
    ["an end before the beginning", { validFrom: "2026-12-31", validUntil: "2026-12-01" }, /validUntil \(2026-12-01\) lies before validFrom \(2026-12-31\)/],
  ] as const) {
    it(`refuses ${what}, naming the field`, function () {
      expect(() => parseValidity(input)).to.throw(message).with.property("code", "INVALID_REQUEST");
    });
  }
});
