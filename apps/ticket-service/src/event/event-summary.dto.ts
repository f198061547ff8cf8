export class EventSummaryDto {
  capacity: number;
  sold: number;
  remaining: number;
}
