# `make install` / `cmake --install`: the binary, the fcindex(1) page
# generated from the built binary's own help, and the example configuration.
include(GNUInstallDirs)

set(FC_MANPAGE ${CMAKE_BINARY_DIR}/fcindex.1)
add_custom_command(
  OUTPUT ${FC_MANPAGE}
  COMMAND sh ${CMAKE_SOURCE_DIR}/cmake/manpage.sh $<TARGET_FILE:fcindex> > ${FC_MANPAGE}.tmp
  COMMAND ${CMAKE_COMMAND} -E rename ${FC_MANPAGE}.tmp ${FC_MANPAGE}
  DEPENDS fcindex ${CMAKE_SOURCE_DIR}/cmake/manpage.sh
  COMMENT "Generating fcindex(1) from fcindex help")
add_custom_target(manpage ALL DEPENDS ${FC_MANPAGE})

install(TARGETS fcindex RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${FC_MANPAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/fcindex.conf.example
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# systemd units: ExecStart names the installed binary, wherever the install
# prefix puts it (the files in deploy/systemd say /usr/bin, the package's).
set(FC_UNITS fcindex.service fcindex-indexer.service fcindex-api@.service)
foreach(unit ${FC_UNITS})
  install(CODE "
    file(READ \"${CMAKE_SOURCE_DIR}/deploy/systemd/${unit}\" text)
    string(REPLACE \"/usr/bin/fcindex\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/fcindex\"
           text \"\${text}\")
    file(WRITE \"${CMAKE_BINARY_DIR}/units/${unit}\" \"\${text}\")
    file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\"
         TYPE FILE FILES \"${CMAKE_BINARY_DIR}/units/${unit}\")")
endforeach()
