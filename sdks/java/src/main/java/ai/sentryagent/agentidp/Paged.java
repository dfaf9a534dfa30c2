package ai.sentryagent.agentidp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The items of a list, fetched a page at a time as they are iterated ({@code for} loop or
 * {@link #stream()}).
 *
 * @param <T> the item type
 */
public final class Paged<T> implements Iterable<T> {
  private final Function<String, JsonNode> fetchPage;
  private final Class<T> type;

  Paged(Function<String, JsonNode> fetchPage, Class<T> type) {
    this.fetchPage = fetchPage;
    this.type = type;
  }

  @Override
  public Iterator<T> iterator() {
    return new Iterator<>() {
      private final Deque<T> buffer = new ArrayDeque<>();
      private String cursor;
      private boolean last;

      @Override
      public boolean hasNext() {
        while (buffer.isEmpty() && !last) {
          JsonNode page = fetchPage.apply(cursor);
          page.path("data").forEach(item -> buffer.add(Json.MAPPER.convertValue(item, type)));
          JsonNode next = page.path("nextCursor");
          cursor = next.isTextual() && !next.asText().isEmpty() ? next.asText() : null;
          last = cursor == null;
        }
        return !buffer.isEmpty();
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return buffer.poll();
      }
    };
  }

  /**
   * The items as a lazy stream.
   *
   * @return a sequential stream that fetches pages as it is consumed
   */
  public Stream<T> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED), false);
  }
}
