# install_etc.cmake — run by `cmake --install` and by CPack (install(SCRIPT) of
# packaging/CMakeLists.txt): installs the configuration into the sysconf folder of the prefix
# being installed to, decided now and not when the build was configured, as GNUInstallDirs
# does: prefix /usr -> /etc/geodir (the Debian package), any other prefix -> <prefix>/etc/geodir.
# The sample geoapi.conf and territory configurations get the installed paths of that prefix,
# and so do the systemd units (<prefix>/lib/systemd/system: programs and configuration).
# In: GDIR_SRC (the source tree), GDIR_CONFIGS (territory configurations, names in config/),
# GDIR_FORMS (form definitions, names in config/forms/), GDIR_UNITS (unit files, names in
# packaging/systemd/), set by the install(CODE) before.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(etc "/etc/geodir")
else()
    set(etc "${CMAKE_INSTALL_PREFIX}/etc/geodir")
endif()
set(share "${CMAKE_INSTALL_PREFIX}/share/geodir")
set(dest "$ENV{DESTDIR}${etc}")

file(READ ${GDIR_SRC}/config/geoapi.conf conf)
string(REPLACE "/usr/local/share/geodir" "${share}" conf "${conf}")
string(REPLACE "/usr/local/etc/geodir" "${etc}" conf "${conf}")
string(REPLACE "prefix /usr/local" "prefix ${CMAKE_INSTALL_PREFIX}" conf "${conf}")
file(MAKE_DIRECTORY ${dest}/forms)
message(STATUS "Installing: ${dest}/geoapi.conf")
file(WRITE ${dest}/geoapi.conf "${conf}")
foreach(name ${GDIR_CONFIGS})
    file(READ ${GDIR_SRC}/config/${name} text)
    string(REPLACE "\"../datasets/samples\"" "\"${share}/datasets/samples\"" text "${text}")
    # the live configuration's downloads: the state folder (geodir-import.service's --fetch-dir)
    string(REPLACE "\"../data/downloads\"" "\"/var/lib/geodir/downloads\"" text "${text}")
    message(STATUS "Installing: ${dest}/${name}")
    file(WRITE ${dest}/${name} "${text}")
endforeach()
foreach(name ${GDIR_FORMS})
    file(INSTALL ${GDIR_SRC}/config/forms/${name} DESTINATION ${etc}/forms)   # adds DESTDIR
endforeach()

set(units "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
file(MAKE_DIRECTORY ${units})
foreach(name ${GDIR_UNITS})
    file(READ ${GDIR_SRC}/packaging/systemd/${name} text)
    string(REPLACE "/usr/bin/" "${CMAKE_INSTALL_PREFIX}/bin/" text "${text}")
    string(REPLACE "/etc/geodir/" "${etc}/" text "${text}")
    message(STATUS "Installing: ${units}/${name}")
    file(WRITE ${units}/${name} "${text}")
endforeach()
